#!/bin/bash
# fusion_plan: plan shows the Fusion work from the manifest and journal
# (applications, secrets, wizards, links), and plan --refresh the drift
# Fusion reports: a subscription onboarded remotely is adopted by apply
# without a second wizard; a failed wizard is offered to
# apply --restart-failed.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"
. "$TP_ROOT/tests/fusionlib.sh"

sim_start --wizard-duration 0.5 --init-delay 0.2
fusion_env
M=$T/m
DB=$M/teamsprov.db
gen_fusion "$M" 3 1
tp -m "$M" plan
expect_rc 2 "plan before apply: work"
check "register an application" contains "$T/out" "register the application of fusion $TEN/1"
check "start a wizard" contains "$T/out" "start the wizard of fusion $TEN/3"
check "link" contains "$T/out" "link fusion $TEN/1001 to subscription 1"
check "counted" contains "$T/out" "plan: 7 Fusion actions"
check "no request sent" test "$(sim_stat 's["requests_total"]')" -eq 0

tp -m "$M" apply --no-progress
expect_rc 0 "apply"
tp -m "$M" plan --refresh
expect_rc 0 "plan --refresh after apply: nothing to do"
check "nothing to do" contains "$T/out" "nothing to do"

APP_SECRET=rotated tp -m "$M" plan
expect_rc 2 "a rotated secret is work"
check "reset named" contains "$T/out" "reset the application secret of fusion $TEN/2 (changed)"

# onboarded behind our back: plan --refresh says adopt, apply adopts
req POST /api/v01/auth/login -d '{"username":"sim-fusion","password":"sim-pass"}'
A="Authorization: Bearer $(jget 'd["access_token"]')"
S=/api/v01/draas/draas_v1/tenants/$TEN/subscriptions/4/msteams
req POST "$S/applications" -H "$A" -d "{\"msTeamsTenantId\":\"$MSTEN\",\"applicationId\":\"$APPID\",\"secret\":\"x\"}"
req POST "$S/wizard" -H "$A"
expect 200 "wizard of subscription 4 started outside teamsprov"
await '[ "$(fstat "[x[\"wizard\"] for x in subs if x[\"subscription\"] == 4][0]")" = done ]' ||
	not_ok "subscription 4 onboarded"
echo "$TEN,4,$MSTEN,$APPID,env:APP_SECRET,,Gen Corp 0001" >>"$M/fusion.csv"
tp -m "$M" plan
check "plain plan would start it" contains "$T/out" "start the wizard of fusion $TEN/4"
tp -m "$M" plan --refresh
expect_rc 2 "plan --refresh: drift is work"
check "adopt named" contains "$T/out" "adopt fusion $TEN/4 (onboarded remotely, none in the journal)"
tp -m "$M" apply --no-progress
expect_rc 0 "apply adopts it"
check "no second wizard start" test "$(fstat '[x["posts"] for x in subs if x["subscription"] == 4][0]')" -eq 1
check "summary: adopted" contains "$T/out" "wizards: 0 started, 1 adopted, 1 done"
check "journaled done" test "$(q "select status from fusion_wizards where subscription=4")" -eq 3

# a failed wizard: plan --refresh offers --restart-failed
sim_restart --wizard-duration 0.5 --init-delay 0.2 --wizard-fail-rate 1
fusion_env
rm -rf "$M"
gen_fusion "$M" 1
tp -m "$M" apply --no-progress
expect_rc 1 "a failing wizard: 1"
tp -m "$M" plan --refresh
check "restart offered" contains "$T/out" "restart the wizard of fusion $TEN/1 with apply --restart-failed (failed"
tp -m "$M" plan --refresh --bogus
expect_rc 64 "plan --bogus: 64"
tp_done
