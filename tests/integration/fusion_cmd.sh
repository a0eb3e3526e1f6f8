#!/bin/bash
# fusion_cmd: every `teamsprov fusion` subcommand against teamsprov-sim,
# with its error paths: sources, link, unlink (--yes), reset-secret (the
# secret never an argument, never printed), update-vrp (already_exists is
# no error), create-app-script (never overwrites without --force), usage
# errors (64), server refusals (1), a read-only user (77).
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"
. "$TP_ROOT/tests/fusionlib.sh"

sim_start --wizard-duration 0.5 --init-delay 0.2 --fusion-viewer viewer:view-pass
fusion_env
M=$T/m
gen_fusion "$M" 1
C=$M/teamsprov.conf
tp -m "$M" apply --no-progress
expect_rc 0 "subscription 1 onboarded by apply"
f() { tp -c "$C" fusion "$@"; }

f sources "$TEN" 7
expect_rc 0 "sources"
check "sources lists subscription 1" grep -qP '^1\tSubscription 1\tTenant ' "$T/out"
f sources "$TEN" 7 --json
expect_rc 0 "sources --json"
check "--json prints the answer" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["sources"][0]["subscriptionId"] == 1' "$T/out"

f link "$TEN" 7 1
expect_rc 0 "link"
check "link says so" contains "$T/out" "linked $TEN/7 to subscription 1"
check "the simulator has the link" test "$(fstat '[x["linked_to"] for x in subs if x["subscription"] == 7][0]')" -eq 1
f link "$TEN" 7 1
expect_rc 1 "link again: refused by the server, exit 1"
check "the server's reason is shown" contains "$T/err" "already linked"
f link "$TEN" 8 99
expect_rc 1 "link to a subscription without a tenant: 1"

f unlink "$TEN" 7
expect_rc 64 "unlink without --yes: usage error"
check "it asks for --yes" contains "$T/err" "--yes"
check "nothing was unlinked" test "$(fstat '[x["linked_to"] for x in subs if x["subscription"] == 7][0]')" -eq 1
f unlink "$TEN" 7 --yes
expect_rc 0 "unlink --yes"
check "the simulator has no link any more" test "$(fstat '[x["linked_to"] for x in subs if x["subscription"] == 7][0]')" -eq 0
f unlink "$TEN" 7 --yes
expect_rc 1 "unlink of an unlinked subscription: 1"

export NEW_SECRET=brand-new-secret-42
f reset-secret "$TEN" 1 --application-id "$APPID" --secret env:NEW_SECRET
expect_rc 0 "reset-secret"
check "the simulator counted the reset" test "$(fstat '[x["secret_resets"] for x in subs if x["subscription"] == 1][0]')" -eq 1
check "the secret is not printed" sh -c "! grep -q brand-new-secret-42 '$T/out' '$T/err'"
f reset-secret "$TEN" 1 --application-id "$APPID" --secret brand-new-secret-42
expect_rc 64 "a literal secret: usage error"
check "the literal is not repeated" sh -c "! grep -q brand-new-secret-42 '$T/err'"
f reset-secret "$TEN" 1 --application-id "$APPID" --secret env:NO_SUCH_VAR_X
expect_rc 65 "an unset secret variable: 65"
f reset-secret "$TEN" 1 --secret env:NEW_SECRET
expect_rc 64 "reset-secret without --application-id: 64"
f reset-secret "$TEN" 1 --application-id 00000000-0000-0000-0000-000000000001 --secret env:NEW_SECRET
expect_rc 1 "reset-secret of another application: 1"
check "with the server's reason" contains "$T/err" "does not match"

f update-vrp "$TEN" 1
expect_rc 0 "update-vrp: already_exists is no error"
check "the status table" grep -qP '^vrp\tWorld-DRaaS\talready_exists\t' "$T/out"
f update-vrp "$TEN" 9
expect_rc 1 "update-vrp of a subscription not onboarded: 1"

f create-app-script "$TEN" 1 -o "$T/ca.ps1"
expect_rc 0 "create-app-script"
check "the decoded script" contains "$T/ca.ps1" "create_app.ps1 - Fusion MS Graph integration"
check "customised for the subscription" contains "$T/ca.ps1" "subscription 1"
echo keep >"$T/ca.ps1"
f create-app-script "$TEN" 1 -o "$T/ca.ps1"
expect_rc 73 "an existing file is not overwritten: 73"
check "the file is untouched" test "$(cat "$T/ca.ps1")" = keep
f create-app-script "$TEN" 1 -o "$T/ca.ps1" --force
expect_rc 0 "--force overwrites"
check "now the script" contains "$T/ca.ps1" "Connect-AzureAD"
(cd "$T" && tp -c "$C" fusion create-app-script "$TEN" 1)
check "by default the answer's file name" test -s "$T/create_app.ps1"

f
expect_rc 64 "fusion without a command: 64"
f frobnicate "$TEN" 1
expect_rc 64 "unknown fusion command: 64"
f sources not-a-uuid 1
expect_rc 64 "a bad tenant UUID: 64"
f sources "$TEN" 0
expect_rc 64 "a bad subscription: 64"
f link "$TEN" 7
expect_rc 64 "link without TARGET_SUB: 64"
f sources "$TEN" 1 --bogus
expect_rc 64 "unknown option: 64"
f sources "$TEN" 1 --draas-instance other
expect_rc 1 "another draas instance: the server's 404, exit 1"
TEAMSPROV_FUSION_USERNAME=viewer FUSION_PASSWORD=view-pass f link "$TEN" 8 1
expect_rc 77 "a user without the role: 77"
FUSION_PASSWORD=wrong f sources "$TEN" 1
expect_rc 77 "a refused login: 77"
tp_done
