# Integration: one writer and SIGINT. While a (slow: 200 ms per answer)
# apply runs, a second apply on the same state exits 75 naming the first
# one's pid; SIGINT makes the first drain, journal, print its summary and
# exit 75; the next apply finishes the rest without sending anything
# twice.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"

# Under valgrind the second apply alone takes seconds: enough enterprises
# that the first is still creating when SIGINT comes.
N=30
[ -n "$TP_WRAP" ] && N=120
gen_manifest "$T/m" $N
sim_start --latency 200
apply_env
DB=$T/m/teamsprov.db
creates_now() {
	curl -sS "$SIM_URL/_sim/stats" |
		grep -oE '"c2t\.newEnterprise":[[:space:]]*[0-9]+' |
		awk -F: '{ n += $2 } END { print n + 0 }'
}

$TP_WRAP "$TEAMSPROV" --no-progress -j 2 -m "$T/m" apply \
	>"$T/first.out" 2>"$T/first.err" &
pid=$!
check "the first apply takes the lock" \
	await '[ "$(cat "$T/m/teamsprov.db.lock" 2>/dev/null)" = "$pid" ]'
check "the first apply is creating" await '[ "$(creates_now)" -ge 3 ]'

tp -m "$T/m" apply
expect_rc 75 "a second apply while the first runs exits 75"
check "it names the holder's pid" contains "$T/err" "(pid $pid)"
check "the first apply is still running" kill -0 $pid

kill -INT $pid
set +e
wait $pid
rc=$?
set -e
check "SIGINT makes apply exit 75 (got $rc)" test $rc = 75
check "the summary is printed" grep -q "^enterprises: $N selected" "$T/first.out"
check "it says what is left" grep -q '^not finished: ' "$T/first.out"
done1=$(q "select count(*) from enterprises where status=1")
check "the interrupted run journaled some enterprises ($done1)" \
	test "$done1" -gt 0 -a "$done1" -lt $N
check "what it created is journaled" \
	test "$done1" = "$(sim_stat 's["c2t"]["enterprises_created"]')"
check "the lock is released" \
	test ! -s "$T/m/teamsprov.db.lock"

tp -q -j 16 -m "$T/m" apply
expect_rc 0 "the next apply finishes the rest"
check "it creates what was left" \
	contains "$T/out" "$((N - done1)) created, 0 adopted, $done1 already present"
check "journal ids equal the simulator's" ids_match
check "nothing was created twice or refused" \
	test "$(sim_stat 's["c2t"]["enterprises_created"]')-$(sim_stat 's["c2t"]["duplicate_refusals"]')" = "$N-0"
check "each URL was requested once and journaled" \
	test "$(sim_stat 'sum(sum(v.values()) for v in s["c2t"]["action_urls"].values())')" = \
	"$(q "select count(*) from actions where status=1 and url is not null")"
check "every enterprise has its five URLs" \
	test "$(q "select count(*) from actions where status=1")" = $((N * 5))

tp_done
