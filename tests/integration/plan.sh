# Integration: plan after a complete apply has nothing to do (exit 0);
# after a row is added it names it (exit 2). It sends no request and does
# not wait for the state lock.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"

gen_manifest "$T/m" 10
sim_start
apply_env
DB=$T/m/teamsprov.db

tp -q -m "$T/m" plan
expect_rc 2 "plan before any apply finds work"
check "it names an enterprise to create" contains "$T/out" "Gen Corp 0001"

tp -q -m "$T/m" apply
expect_rc 0 "apply succeeds"
api='sum(v for k, v in s["requests"].items() if not k.startswith("sim."))'
before=$(sim_stat "$api")

tp -m "$T/m" plan
expect_rc 0 "plan after a complete apply exits 0"
check "it says nothing to do" contains "$T/out" "nothing to do"

echo 'New Corp,Belgium,10,Trunk,US-East,,' >>"$T/m/enterprises.csv"
tp -m "$T/m" plan
expect_rc 2 "plan after adding a row exits 2"
check "it names the new row" contains "$T/out" "New Corp"
check "it does not list what is done" sh -c '! grep -q "Gen Corp" "$1"' _ "$T/out"

# A held lock does not stop plan.
exec 8>"$T/m/teamsprov.db.lock"
flock 8
echo 999999 >&8
tp -m "$T/m" plan
expect_rc 2 "plan works while another process holds the lock"
check "and names the new row" contains "$T/out" "New Corp"
flock -u 8
exec 8>&-

check "plan sent no request" \
	test "$(sim_stat "$api")" = "$before"

tp_done
