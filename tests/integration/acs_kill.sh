# Integration: an ACS apply killed with SIGKILL twice (at request counts
# the simulator reports, not after sleeps), then run to the end: every
# assignment granted and confirmed, and only rows that were not yet
# confirmed in the journal are sent again; confirmed rows get one GET.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/acs-lib.sh"
. "$TP_ROOT/tests/applylib.sh" # await

N=120
W=4
sim_start --latency 20 # slow enough that a loaded machine still catches the run
acs_manifest "$T/m"
{
	echo "$ACS_HEAD"
	acs_rows $((N / 2)) user present
	acs_rows $((N / 2)) teamsResourceAccount present
} >"$T/m/acs.csv"

# ACS requests answered so far, without a Python start-up.
acs_now() {
	curl -sS "$SIM_URL/_sim/stats" |
		grep -oE '"acs\.(put|get)":[[:space:]]*[0-9]+' |
		awk -F: '{ n += $2 } END { print n + 0 }'
}

killed=0
for k in 1 2; do
	target=$(($(acs_now) + 40 + RANDOM % 40))
	$TP_WRAP "$TEAMSPROV" -q -j $W -m "$T/m" apply \
		>"$T/run$k.out" 2>"$T/run$k.err" &
	pid=$!
	await '[ "$(acs_now)" -ge $target ] || ! kill -0 $pid 2>/dev/null' ||
		true
	if kill -KILL $pid 2>/dev/null; then
		killed=$((killed + 1))
	fi
	wait $pid 2>/dev/null || true
	echo "# kill $k at $(acs_now) requests (target $target)"
done
check "both kills hit a running apply" test $killed = 2
# What the last kill left in the redo log reaches the database first
# (any command replays it; apply would too).
tp -q -m "$T/m" state list
expect_rc 0 "state list replays the redo log"
confirmed=$(jq_db "select count(*) from acs_assignments where status=1")
check "the kills left work to do ($confirmed confirmed)" test "$confirmed" -lt $N

before=$(acs_count put)
tp -q -j $W -m "$T/m" apply
expect_rc 0 "apply after the kills finishes"
check "the tenant holds all $N" test "$(acs_count assignments)" = $N
check "the journal confirmed all $N" \
	test "$(jq_db "select count(*) from acs_assignments where status=1")" = $N
puts=$(acs_count put)
check "a PUT for exactly the $((N - confirmed)) rows not confirmed before" \
	test $((puts - before)) = $((N - confirmed))
echo "# PUTs sent twice in all: $((puts - N))"
tp -q -m "$T/m" apply
expect_rc 0 "a last apply"
check "changes nothing" contains "$T/out" "0 granted, 0 revoked, $N unchanged, 0 failed"
check "and sends no PUT" test "$(acs_count put)" = "$puts"

tp_done
