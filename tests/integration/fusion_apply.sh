#!/bin/bash
# fusion_apply: apply onboards fusion.csv rows against teamsprov-sim — 200
# wizards (10 % failing) all reach done or failed with the simulator's
# counts; a second apply starts nothing; --restart-failed starts exactly
# the failed ones again; a changed secret is sent with reset_secret; link
# rows wait for the wizard of the subscription they link to; state show
# prints the steps.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"
. "$TP_ROOT/tests/fusionlib.sh"

sim_start --wizard-duration 1 --init-delay 0.3 --wizard-fail-rate 0.1 --seed 7
fusion_env
M=$T/m
DB=$M/teamsprov.db
gen_fusion "$M" 200 3

tp -m "$M" -j 8 apply --no-progress
expect_rc 1 "200 wizards, some failing: exit 1"
done_j=$(q "select count(*) from fusion_wizards where status=3 and link_to=0")
fail_j=$(q "select count(*) from fusion_wizards where status=4 and link_to=0")
check "every wizard ended done or failed ($done_j + $fail_j)" \
	test $((done_j + fail_j)) -eq 200
check "the journal's counts are the simulator's" \
	test "$(fstat '(f["wizards"]["done"], f["wizards"]["failed"])')" = "($done_j, $fail_j)"
check "about 10 % failed ($fail_j)" test "$fail_j" -ge 5 -a "$fail_j" -le 40
check "one wizard start per row" test "$(fstat 'sum(x["posts"] for x in subs)')" -eq 200
check "one application per row" test "$(fstat 'f["applications"]')" -eq 200
check "the summary counts them" contains "$T/out" "wizards: 200 started, 0 adopted, $done_j done, $fail_j failed, 0 running"
check "a failure carries the server's message" \
	grep -qE "^failed: .*fusion $TEN/[0-9]+.*Step [1-6] failed" "$T/out"
check "the failure message is journaled" \
	test "$(q "select count(*) from fusion_wizards where status=4 and message like '%Step%failed%'")" -eq "$fail_j"
check "done rows hold 6 executed steps" \
	test "$(q "select count(*) from fusion_wizards where status=3 and link_to=0 and steps_done=6 and steps_total=6 and steps_json like '[{\"name\":\"Step 1\",\"executed\":true%'")" -eq "$done_j"
check "transaction ids journaled" \
	test "$(q "select count(*) from fusion_wizards where link_to=0 and transaction_id is not null")" -eq 200
check "no secret in the journal" \
	test "$(q "select count(*) from fusion_wizards where secret_fp = lower(secret_fp) and length(secret_fp) = 64")" -eq 200
if grep -qa app-secret-1 "$DB" "$DB-wal" 2>/dev/null; then not_ok "secret in the state file"; else ok "secret not in the state file"; fi
# links: 1001 -> 1, 1002 -> 2, 1003 -> 3: done when the target is
linked=$(fstat 'sum(1 for x in subs if x["linked_to"])')
ok_targets=$(q "select count(*) from fusion_wizards where subscription in (1,2,3) and status=3")
check "links follow their targets ($linked of $ok_targets)" test "$linked" -eq "$ok_targets"
check "a link whose target failed fails" \
	test "$(q "select count(*) from fusion_wizards where link_to>0 and status=4")" -eq $((3 - ok_targets))

posts=$(fstat 'sum(x["posts"] for x in subs)')
tp -m "$M" apply --no-progress
expect_rc 0 "second apply: nothing failed anew"
check "second apply starts no wizard" test "$(fstat 'sum(x["posts"] for x in subs)')" -eq "$posts"
check "second apply registers no application" test "$(fstat 'sum(x["application_posts"] for x in subs)')" -eq 200
check "it says how to restart the failed" \
	test "$(sed -n 's/^failed earlier: \([0-9]*\) wizard.*/\1/p' "$T/out")" -ge "$fail_j"

tp -m "$M" -j 8 apply --no-progress --restart-failed
check "--restart-failed posts exactly the failed again" \
	test "$(fstat 'sum(x["posts"] for x in subs)')" -eq $((posts + fail_j))
check "after the restart the journal still matches the simulator" \
	test "$(fstat 'f["wizards"]["done"]')" -eq "$(q "select count(*) from fusion_wizards where status=3 and link_to=0")"

export APP_SECRET=app-secret-2
tp -m "$M" -j 8 apply --no-progress
check "a changed secret is reset on every row" test "$(fstat 'sum(x["secret_resets"] for x in subs)')" -eq 200
check "and not registered again" test "$(fstat 'sum(x["application_posts"] for x in subs)')" -eq 200
check "summary counts the resets" contains "$T/out" "200 secrets reset"

tp -m "$M" state show "Gen Corp 0001"
expect_rc 0 "state show"
check "state show lists the wizards" grep -qE "fusion $TEN/1 +(done|failed)" "$T/out"
check "state show shows the steps" grep -qE "Step 6" "$T/out"

tp -m "$M" state list
check "state list lists the wizards" grep -qE "^fusion $TEN/2 +(done|failed) +steps [0-9]/6 enterprise \"Gen Corp 0001\"" "$T/out"
check "and the links" grep -qE "^fusion $TEN/1001 +[a-z]+ +link to 1 " "$T/out"

# --only selects rows by enterprise: an unknown one selects none
tp -m "$M" --only Nobody apply --no-progress
check "--only of another enterprise touches no fusion row" \
	test "$(fstat 'sum(x["secret_resets"] for x in subs)')" -eq 200
tp_done
