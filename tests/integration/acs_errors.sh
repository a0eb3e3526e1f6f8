# Integration: ACS errors — a wrong access key makes every request 401:
# exit 77, the refusal and its likely cause reported once, not per row,
# and the key nowhere in the output, the log or the journal; an ACS error
# body's code and message are shown; an Entra ID bearer token instead of
# the key, accepted and refused; a clock more than 15 minutes off.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/acs-lib.sh"

sim_start --acs-token sim-entra-token-0123456789
acs_manifest "$T/m"
{
	echo "$ACS_HEAD"
	acs_rows 5 user present
	acs_rows 5 teamsResourceAccount present
	acs_rows 2 resourceAccount absent
} >"$T/m/acs.csv"

key=d3Jvbmcta2V5LXZhbHVl
ACS_CONNECTION_STRING="endpoint=$SIM_URL/;accesskey=$key" \
	tp -m "$T/m" --log-json "$T/log.json" apply
expect_rc 77 "a wrong key: every request refused, exit 77"
check "the refusal is reported once on stderr" \
	test "$(grep -c 'authentication refused' "$T/err")" = 1
check "the summary has one line for all twelve" \
	contains "$T/out" 'failed: "acs: 12 assignments": HTTP 401 from'
check "only one failed line" test "$(grep -c '^failed:' "$T/out")" = 1
check "the ACS error code and message are shown" \
	contains "$T/out" '"Denied" "the signature does not match"'
check "the likely cause is named" contains "$T/out" "likely cause: the access key"
check "the clock is named as the other cause" contains "$T/out" "clock"
check "nothing was granted" test "$(acs_count assignments)" = 0
check "each row was tried once (401 is not retried)" \
	test "$(sim_stat 's["requests"]["acs.put"] + s["requests"]["acs.delete"]')" = 12
check "the key is not in stdout or stderr" sh -c "! grep -q '$key' '$T/out' '$T/err'"
check "the key is not in the JSON log" sh -c "! grep -q '$key' '$T/log.json'"
check "the key is not in the journal" sh -c "! grep -q '$key' '$T/m/teamsprov.db'*"
check "the journal says failed" test "$(jq_db "select count(*) from acs_assignments where status=3")" = 12

ACS_CONNECTION_STRING="endpoint=$SIM_URL/;accesskey=$key" tp -m "$T/m" plan --refresh
expect_rc 77 "plan --refresh with a wrong key exits 77"
check "and names the likely cause" contains "$T/err" "likely cause"

ACS_CONNECTION_STRING="endpoint=$SIM_URL/;accesskey=not*base64" tp -m "$T/m" apply
expect_rc 65 "a connection string whose key is not base64 is a config error"
check "without quoting it" sh -c "! grep -q 'not\*base64' '$T/err'"

# An error answer: the api-version the simulator does not know.
TEAMSPROV_ACS_API_VERSION=2020-01-01 tp -m "$T/m" apply
expect_rc 1 "rows refused with 400 fail the run (exit 1)"
check "the ACS error code is shown" contains "$T/out" '"UnsupportedApiVersion"'
check "and its message" contains "$T/out" 'The api-version is not supported'

# Entra ID bearer instead of HMAC.
export TEAMSPROV_ACS_TOKEN_ENV=ACS_TOKEN TEAMSPROV_ACS_ENDPOINT=$SIM_URL
ACS_TOKEN=wrong-token-value-xyz tp -m "$T/m" apply
expect_rc 77 "a refused bearer token: exit 77"
check "its likely cause names the token" contains "$T/out" "likely cause: the Entra ID token"
check "the token is not shown" sh -c "! grep -q 'wrong-token-value' '$T/out' '$T/err'"
ACS_TOKEN=sim-entra-token-0123456789 tp -m "$T/m" apply
expect_rc 0 "an accepted bearer token: apply succeeds"
check "all twelve done" contains "$T/out" "12 selected, 10 granted, 2 revoked, 0 unchanged, 0 failed"
tp -m "$T/m" apply
expect_rc 65 "the token variable unset: a configuration error before any request"
unset TEAMSPROV_ACS_TOKEN_ENV TEAMSPROV_ACS_ENDPOINT
tp -m "$T/m" apply
expect_rc 0 "back to the right key: nothing to change"
check "one GET each" contains "$T/out" "0 granted, 0 revoked, 12 unchanged"

# ACS unreachable (nothing listens there): 69 once retries run out.
TEAMSPROV_ACS_ENDPOINT=http://127.0.0.1:1 TEAMSPROV_RUN_RETRIES=1 \
	tp -m "$T/m" apply
expect_rc 69 "ACS unreachable on every row: exit 69"
check "each row names the failure" contains "$T/out" "could not connect"

# Clock skew: the simulator's clock 20 minutes ahead refuses every
# signed request; 10 minutes is inside ACS's window.
sim_restart --acs-clock-skew 1200
acs_manifest "$T/m2"
cp "$T/m/acs.csv" "$T/m2/"
tp -m "$T/m2" apply
expect_rc 77 "a clock 20 minutes off: every request refused, exit 77"
check "the server's reason is shown" contains "$T/out" "x-ms-date is more than 15 minutes"
check "the clock is named as a likely cause" contains "$T/out" "clock is more than 15 minutes off"
check "reported once" test "$(grep -c 'authentication refused' "$T/err")" = 1
sim_restart --acs-clock-skew -600
acs_manifest "$T/m2"
tp -m "$T/m2" apply
expect_rc 0 "a clock 10 minutes off is accepted"

tp_done
