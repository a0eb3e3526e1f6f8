# Integration: access tokens that expire every 2 s during a run several
# times as long (one worker, 5 ms per answer, 1,200 requests), and are
# revoked three times on top. The tool renews a token before it expires
# (so expiry alone draws no 401); a 401 for a revoked one fetches a new
# token and sends again, without failing the item.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"

N=200
gen_manifest "$T/m" $N
sim_start --token-ttl 2 --latency 5
apply_env
DB=$T/m/teamsprov.db


t0=$(date +%s)
$TP_WRAP "$TEAMSPROV" -q -j 1 -m "$T/m" apply >"$T/out" 2>"$T/err" &
pid=$!
revoked=0
for at in 200 500 800; do
	if await '[ "$(work_now)" -ge $at ] || ! kill -0 $pid 2>/dev/null' &&
		kill -0 $pid 2>/dev/null; then
		curl -sS -X POST "$SIM_URL/_sim/expire-tokens" >/dev/null
		revoked=$((revoked + 1))
	fi
done
set +e
wait $pid
RC=$?
set -e
t1=$(date +%s)
echo "# the run took $((t1 - t0)) s"
check "tokens were revoked three times during the run" test $revoked = 3
expect_rc 0 "apply with expiring tokens succeeds"
check "no item failed" grep -q "^enterprises: $N selected, $N created, .* 0 failed$" "$T/out"
check "every URL was issued" \
	grep -q "^action URLs: $((N * 5)) issued, 0 failed$" "$T/out"
tokens=$(sim_stat 's["requests"].get("c2t.token", 0)')
e401=$(sim_stat 's["unauthorized"]["c2t"]')
echo "# $tokens tokens, $e401 answers 401"
check "tokens were renewed before expiry, besides the revocations" \
	test "$tokens" -ge $((revoked + 3))
# A revocation that lands just before a scheduled renewal draws no 401,
# so at least one (not one per revocation) proves the refresh path ran.
check "the simulator answered 401 to revoked tokens" test "$e401" -ge 1
check "each revocation cost one 401 (one worker)" test "$e401" -le 6
check "the run lasted more than two lifetimes" test $((t1 - t0)) -ge 4
check "the journal holds every enterprise" \
	test "$(q "select count(*) from enterprises where status=1")" = $N
check "journal ids equal the simulator's" ids_match
check "each URL was requested once and journaled" \
	test "$(sim_stat 'sum(sum(v.values()) for v in s["c2t"]["action_urls"].values())')" = \
	"$(q "select count(*) from actions where status=1 and url is not null")"

tp_done
