#!/bin/bash
# fusion_wait: teamsprov wait and the ways polling ends — apply --no-wait
# then wait (exit 1 when a wizard failed); kill -9 during polling, then
# wait finishes without a second POST wizard; --wizard-timeout and
# wait --timeout exit 75 and resume; SIGINT exits 75 and Fusion
# unreachable 69, both leaving the wizards running for the next wait; 404
# before initialisation is tolerated within init_grace, an error after.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"
. "$TP_ROOT/tests/fusionlib.sh"

posts() { fstat 'sum(x["posts"] for x in subs)'; }

# --- --no-wait, then wait
sim_start --wizard-duration 1 --init-delay 0.3 --wizard-fail-rate 0.3 --seed 3
fusion_env
M=$T/m
DB=$M/teamsprov.db
gen_fusion "$M" 20 1
tp -m "$M" apply --no-progress --no-wait
expect_rc 0 "apply --no-wait: exit 0 once everything started"
check "no wizard polled (one look before each start)" test "$(fstat 'sum(x["polls"] for x in subs)')" -eq 20
check "all journaled running" test "$(q "select count(*) from fusion_wizards where status=2")" -eq 20
check "it says to run wait" contains "$T/out" "not waited for: 20 wizards (run teamsprov wait)"
check "the link row waits" contains "$T/out" "links waiting: 1"
tp -m "$M" --only Nobody wait --no-progress
expect_rc 0 "wait --only another enterprise: nothing to poll"
check "it polled nothing" test "$(fstat 'sum(x["polls"] for x in subs)')" -eq 20
tp -m "$M" --only "gen corp 0001" wait --no-progress
failed=$(fstat 'f["wizards"]["failed"]')
if [ "$failed" -gt 0 ]; then expect_rc 1 "wait: exit 1 when a wizard failed"; else expect_rc 0 "wait: exit 0"; fi
check "wait started nothing" test "$(posts)" -eq 20
check "wait ended every wizard" test "$(q "select count(*) from fusion_wizards where status in (3,4) and link_to=0")" -eq 20
check "wait's counts are the simulator's" \
	test "$(q "select count(*) from fusion_wizards where status=4")" -eq "$failed"
tp -m "$M" wait --no-progress
expect_rc 0 "wait with nothing running: exit 0"
tp -m "$M" wait --bogus
expect_rc 64 "wait --bogus: usage error"
tp -m "$M" wait --timeout soon
expect_rc 64 "wait --timeout soon: usage error"
tp -m "$T/nowhere" -c "$M/teamsprov.conf" wait
expect_rc 65 "wait without a state file: 65"

# --- kill -9 while polling, then wait: no second start
sim_restart --wizard-duration 4 --init-delay 0.3
fusion_env
rm -rf "$M"
gen_fusion "$M" 40
set +e
"$TEAMSPROV" -m "$M" apply --no-progress >"$T/kill.out" 2>"$T/kill.err" &
APID=$!
set -e
if await '[ -f "$DB" ] && [ "$(q "select count(*) from fusion_wizards where status=2")" = 40 ] 2>/dev/null'; then
	ok "all 40 wizards running"
else
	not_ok "all 40 wizards running"
fi
kill -9 "$APID"
wait "$APID" 2>/dev/null || true
check "killed before the end" test "$(q "select count(*) from fusion_wizards where status=3")" -lt 40
tp -m "$M" wait --no-progress
expect_rc 0 "wait after kill -9: exit 0"
check "no second POST wizard after the kill" test "$(posts)" -eq 40
check "every wizard done" test "$(q "select count(*) from fusion_wizards where status=3")" -eq 40

# --- --wizard-timeout: 75, resumable
sim_restart --wizard-duration 4 --init-delay 0.3
fusion_env
rm -rf "$M"
gen_fusion "$M" 10
tp -m "$M" apply --no-progress --wizard-timeout 1s --metrics "$T/m.prom"
expect_rc 75 "--wizard-timeout with wizards running: exit 75"
check "summary names the time-out" contains "$T/out" "timed out: 10 wizards still running"
check "metrics count the running wizards" contains "$T/m.prom" 'teamsprov_items{kind="wizard",status="running"} 10'
tp -m "$M" wait --no-progress --timeout 500ms
expect_rc 75 "wait --timeout with wizards running: exit 75"
tp -m "$M" wait --no-progress
expect_rc 0 "wait resumes to the end"
check "still one start each" test "$(posts)" -eq 10

# --- Fusion unreachable while polling: 69, the wizards stay running
sim_restart --wizard-duration 30 --init-delay 0.3
fusion_env
rm -rf "$M"
gen_fusion "$M" 3
set +e
"$TEAMSPROV" -m "$M" apply --no-progress >"$T/out" 2>"$T/err" &
APID=$!
set -e
await '[ -f "$DB" ] && [ "$(q "select count(*) from fusion_wizards where status=2")" = 3 ] 2>/dev/null' ||
	not_ok "3 wizards running"
# SIGINT first: 75, still running, resumable
kill -INT "$APID"
wait "$APID" && RC=0 || RC=$?
expect_rc 75 "SIGINT while polling: exit 75"
check "the summary counts them running" grep -qE "^wizards: .* 3 running" "$T/out"
set +e
"$TEAMSPROV" -m "$M" wait --no-progress >"$T/out" 2>"$T/err" &
APID=$!
set -e
kill "$SIM_PID"
wait "$SIM_PID" 2>/dev/null || true
wait "$APID" && RC=0 || RC=$?
expect_rc 69 "Fusion unreachable while waiting: exit 69"
check "the wizards stay running in the journal" \
	test "$(q "select count(*) from fusion_wizards where status=2")" -eq 3
check "the reason names the unreachable API" grep -qE "^failed: .*fusion $TEN/" "$T/out"
exec 9<&-
rm -f "$T/sim.fifo"
sim_start --wizard-duration 0.5 --init-delay 1.5

# --- 404 before initialisation: tolerated within init_grace, then an error
fusion_env
rm -rf "$M"
gen_fusion "$M" 3
tp -m "$M" apply --no-progress
expect_rc 0 "404s during a 1.5 s initialisation: done"
check "polled through the 404s" test "$(fstat 'min(x["polls"] for x in subs)')" -ge 3
sim_restart --wizard-duration 0.5 --init-delay 60
fusion_env
rm -rf "$M"
gen_fusion "$M" 2
TEAMSPROV_FUSION_INIT_GRACE=1s tp -m "$M" apply --no-progress
expect_rc 1 "still 404 after init_grace: the wizard failed"
check "the reason says so" contains "$T/out" "still not initialised"
tp_done
