#!/bin/bash
# sim_fusion: teamsprov-sim's Fusion routes: login and refresh, roles,
# path validation, applications, the wizard's life (404 while initialising,
# six steps one by one, done; a repeated POST answers the running id),
# update_vrp, create_app, reset_secret, sources, link, status, unlink.
. "$TP_ROOT/tests/lib.sh"


sim_start --wizard-duration 6 --init-delay 2 --fusion-m2m m2m-token \
	--fusion-viewer viewer:view-pass
TEN=27b418d0-b197-483d-a0b8-da90407a92c4
S=/api/v01/draas/draas_v1/tenants/$TEN/subscriptions

req POST /api/v01/auth/login -d '{"username":"sim-fusion","password":"bad"}'
expect 401 "login with a bad password: 401"
check "error body" body_has '"error"'
req POST /api/v01/auth/login -d '{"username":"sim-fusion"}'
expect 400 "login without password: 400"
req POST /api/v01/auth/login -d '{"username":"sim-fusion","password":"sim-pass"}'
expect 200 "login"
check "access, refresh and m2m tokens" \
	test "$(jget 'sorted(d.keys())')" = "['access_token', 'refresh_token', 'token']"
A="Authorization: Bearer $(jget 'd["access_token"]')"
R="Authorization: Bearer $(jget 'd["refresh_token"]')"
req GET /api/v01/auth/access_token -H "$R"
expect 200 "refresh"
check "refresh gives an access token" test "$(jget 'list(d.keys())')" = "['access_token']"
A2="Authorization: Bearer $(jget 'd["access_token"]')"
req GET /api/v01/auth/access_token -H "$A"
expect 401 "an access token does not refresh: 401"
req GET "$S/1/msteams/status" -H "$A2"
expect 200 "the refreshed token works"
req GET "$S/1/msteams/status" -H "Authorization: Bearer m2m-token"
expect 200 "the m2m token works"
req GET "$S/1/msteams/status"
expect 401 "no token: 401"

# --- paths and roles
req GET "/api/v01/draas/other/tenants/$TEN/subscriptions/1/msteams/status" -H "$A"
expect 404 "unknown draas instance: 404"
req GET "/api/v01/draas/draas_v1/tenants/not-a-uuid/subscriptions/1/msteams/status" -H "$A"
expect 404 "malformed tenant UUID: 404"
req GET "$S/abc/msteams/status" -H "$A"
expect 404 "non-integer subscription: 404"
check "error object with reason" body_has '"reason"'
req GET "$S/1/msteams/nothing" -H "$A"
expect 404 "unknown path: 404"
req DELETE "$S/1/msteams/wizard" -H "$A"
expect 405 "wrong method: 405"
req POST /api/v01/auth/login -d '{"username":"viewer","password":"view-pass"}'
V="Authorization: Bearer $(jget 'd["access_token"]')"
req GET "$S/1/msteams/status" -H "$V"
expect 200 "viewer may read"
req POST "$S/1/msteams/wizard" -H "$V"
expect 403 "viewer may not start a wizard: 403"
check "403 names the role" body_has "msteams.wizard.start"

# --- applications
req POST "$S/1/msteams/applications" -H "$A" \
	-d '{"applicationId":"c035894c-81c3-49aa-8e3e-f245d9b3b846","secret":"s1"}'
expect 400 "new integration without msTeamsTenantId: 400"
req POST "$S/1/msteams/applications" -H "$A" -d '{"msTeamsTenantId":"27b418d0-b197-483d-a0b8-da90407a92c5"}'
expect 400 "without applicationId and secret: 400"
req POST "$S/1/msteams/applications" -H "$A" \
	-d '{"msTeamsTenantId":"11111111-b197-483d-a0b8-da90407a92c4","applicationId":"c035894c-81c3-49aa-8e3e-f245d9b3b846","secret":"s1"}'
expect 204 "application registered"
req POST "$S/1/msteams/applications" -H "$A" \
	-d '{"msTeamsTenantId":"22222222-b197-483d-a0b8-da90407a92c4","applicationId":"c035894c-81c3-49aa-8e3e-f245d9b3b846","secret":"s2"}'
expect 400 "update with another tenant id: 400"
req POST "$S/1/msteams/applications" -H "$A" \
	-d '{"applicationId":"c035894c-81c3-49aa-8e3e-f245d9b3b846","secret":"s2"}'
expect 204 "update without tenant id"

# --- the wizard
req PUT "$S/1/msteams/update_vrp" -H "$A"
expect 400 "update_vrp before onboarding: 400"
req GET "$S/1/msteams/wizard" -H "$A"
expect 404 "wizard GET before any start: 404"
req POST "$S/1/msteams/wizard" -H "$A"
expect 200 "wizard started"
cp "$T/body" "$T/started"
req GET "$S/1/msteams/wizard" -H "$A"
expect 404 "404 while the tenant is initialised"
WID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/started")
req POST "$S/1/msteams/wizard" -H "$A"
check "a repeated POST answers the running wizard's id" \
	test "$(jget 'd["id"]')" = "$WID"
req GET "$S/1/msteams/status" -H "$A"
check "status in progress" test "$(jget 'd["status"]')" = in_progress
seen=
for _ in $(seq 1 200); do
	req GET "$S/1/msteams/wizard" -H "$A"
	if [ "$ST" = 200 ]; then
		n=$(jget 'sum(s["executed"] for s in d["wizardSteps"]) if d["running"] else "end"')
		[ "$n" = end ] && break
		case " $seen " in *" $n "*) ;; *) seen="$seen $n" ;; esac
	fi
	python3 -c 'import time; time.sleep(0.05)'
done
check "wizard finished with running false" test "$(jget 'd["running"]')" = False
check "six steps, all executed" \
	test "$(jget '[s["step"] for s in d["wizardSteps"] if s["executed"]]')" = "[1, 2, 3, 4, 5, 6]"
echo "# steps seen executed while running: $seen"
# (the one-step-at-a-time schedule itself is unit-tested; a loaded machine
# may poll only a few times, so ask for one partial state here)
check "steps were executed one by one (a partial state seen)" \
	sh -c 'for n in $1; do [ "$n" -gt 0 ] && [ "$n" -lt 6 ] && exit 0; done; exit 1' sh "$seen"
check "the routing step carries its status object" \
	test "$(jget 'sorted(d["wizardSteps"][3]["status"].keys())')" = "['pstn', 'vr', 'vrp']"
req GET "$S/1/msteams/status" -H "$A"
check "status onboarded" test "$(jget '(d["status"], d["mode"], d["msTenantId"])')" = \
	"('onboarded', 'onboarding', '11111111-b197-483d-a0b8-da90407a92c4')"
req PUT "$S/1/msteams/update_vrp" -H "$A"
expect 200 "update_vrp"
check "voice routing status" test "$(jget 'd["status"]["vrp"]["World-DRaaS"]["status"]')" = already_exists

# --- a wizard without an application fails
req POST "$S/9/msteams/wizard" -H "$A"
expect 200 "wizard started without an application"
for _ in $(seq 1 100); do
	req GET "$S/9/msteams/wizard" -H "$A"
	[ "$ST" = 404 ] || [ "$ST" = 200 ] || break
	python3 -c 'import time; time.sleep(0.05)'
done
expect 400 "that wizard ends with 400"
check "failure explained" body_has "Step 1 failed"
req GET "$S/9/msteams/status" -H "$A"
check "status failed" test "$(jget 'd["status"]')" = failed

# --- create_app, reset_secret
req POST "$S/1/downloads/create_app" -H "$A"
expect 200 "create_app"
check "a base64 PowerShell script" test "$(jget '(d["fileName"], b"create_app.ps1" in __import__("base64").b64decode(d["fileBody"]))')" = \
	"('create_app.ps1', True)"
req POST "$S/5/msteams/reset_secret" -H "$A" \
	-d '{"applicationId":"c035894c-81c3-49aa-8e3e-f245d9b3b846","secret":"n"}'
expect 404 "reset_secret without an application: 404"
req POST "$S/1/msteams/reset_secret" -H "$A" \
	-d '{"applicationId":"d46e9288-2029-4fd1-ac7b-f20749e61251","secret":"n"}'
expect 400 "reset_secret for another application: 400"
req POST "$S/1/msteams/reset_secret" -H "$A" -d '{}'
expect 400 "reset_secret without fields: 400"
req POST "$S/1/msteams/reset_secret" -H "$A" \
	-d '{"applicationId":"C035894C-81C3-49AA-8E3E-F245D9B3B846","secret":"n"}'
expect 204 "reset_secret (GUID case ignored)"

# --- sources, link, unlink
req GET "$S/2/msteams/sources" -H "$A"
expect 200 "sources"
check "the onboarded subscription is a source" \
	test "$(jget '[s["subscriptionId"] for s in d["sources"]]')" = "[1]"
req POST "$S/2/msteams/link" -H "$A" -d '{"subscriptionId":9}'
expect 400 "link to a subscription not onboarded: 400"
req POST "$S/2/msteams/link" -H "$A" -d '{"subscriptionId":"x"}'
expect 400 "link without an integer: 400"
req POST "$S/2/msteams/link" -H "$A" -d '{"subscriptionId":1}'
expect 204 "link"
req GET "$S/2/msteams/status" -H "$A"
check "linked status" test "$(jget '(d["status"], d["mode"])')" = "('onboarded', 'linked')"
req POST "$S/2/msteams/link" -H "$A" -d '{"subscriptionId":1}'
expect 400 "link twice: 400"
req POST "$S/2/msteams/unlink" -H "$A"
expect 204 "unlink"
req POST "$S/2/msteams/unlink" -H "$A"
expect 400 "unlink of nothing: 400"
req GET "$S/2/msteams/status" -H "$A"
check "not_initiated after unlink" test "$(jget 'd["status"]')" = not_initiated

req GET /_sim/stats
check "wizards by state" test "$(jget 'd["fusion"]["wizards"]')" = \
	"{'starting': 0, 'running': 0, 'done': 1, 'failed': 1}"
check "posts and polls per subscription" \
	test "$(jget '[(x["subscription"], x["posts"], x["polls"] > 3) for x in d["fusion"]["subscriptions"] if x["subscription"] == 1]')" = \
	"[(1, 2, True)]"
check "401s counted for Fusion" test "$(jget 'd["unauthorized"]["fusion"] >= 1')" = True
tp_done
