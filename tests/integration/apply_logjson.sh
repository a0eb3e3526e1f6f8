# Integration: --log-json writes one JSON object per attempt with the
# keys of spec §6, and no secret reaches the log, the terminal or the
# journal: not the password, not the client secret, not a bearer token
# (the simulator's tokens look like "c2t-EXPIRY.GEN.MAC").
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"

N=20
gen_manifest "$T/m" $N
# Faults and a token revoked on the way put retries, errors and 401s in
# the log too.
sim_start --fail-rate 0.05 --lost-response-rate 0.05 --seed 5 --latency 5
apply_env
export TEAMSPROV_RUN_RETRIES=10
DB=$T/m/teamsprov.db
LOG=$T/log.jsonl

$TP_WRAP "$TEAMSPROV" -v -j 2 -m "$T/m" --log-json "$LOG" apply \
	>"$T/out" 2>"$T/err" &
pid=$!
await '[ "$(work_now)" -ge 10 ] || ! kill -0 $pid 2>/dev/null'
curl -sS -X POST "$SIM_URL/_sim/expire-tokens" >/dev/null
set +e
wait $pid
RC=$?
set -e
expect_rc 0 "apply with --log-json (and a token revoked mid-run) succeeds"

python3 -S - "$LOG" >"$T/check" <<-'EOF'
	import json, sys
	keys = {"ts", "level", "api", "method", "path", "status", "ms",
	        "attempt", "item"}
	n = bad = missing = 0
	statuses = set()
	items = set()
	for line in open(sys.argv[1], encoding="utf-8"):
	    n += 1
	    try:
	        o = json.loads(line)
	    except ValueError:
	        bad += 1
	        continue
	    if not isinstance(o, dict) or not keys <= set(o):
	        missing += 1
	        continue
	    statuses.add(o["status"])
	    items.add(o["item"])
	print(n, bad, missing, 401 in statuses, 503 in statuses,
	      200 in statuses, len(items - {None}))
EOF
read -r lines bad missing s401 s503 s200 items <"$T/check"
echo "# $lines log lines"
check "the log has a line per attempt (at least one per item)" \
	test "$lines" -ge $((N * 6))
check "every enterprise is named as an item" test "$items" = $N
check "every line is JSON" test "$bad" = 0
check "every line has ts, level, api, method, path, status, ms, attempt, item" \
	test "$missing" = 0
check "the log shows the 401, the 503s and the successes" \
	test "$s401-$s503-$s200" = "True-True-True"
check "a create line names its item and path" \
	grep -q '"method":"POST","path":"/reseller/newEnterprise","status":200,.*"item":"Gen Corp 0002"' "$LOG"

no_secret() {
	! grep -aqE 'sim-pass|sim-secret|c2t-[0-9]{6,}\.[0-9]+\.' "$1"
}
check "no secret in the JSON log" no_secret "$LOG"
check "no secret on stderr (-v)" no_secret "$T/err"
check "no secret on stdout" no_secret "$T/out"
check "no secret in the journal" no_secret "$DB"
for f in "$DB-wal" "$DB-shm"; do
	if [ -e "$f" ]; then
		check "no secret in $(basename "$f")" no_secret "$f"
	fi
done
check "the journal is private (0600)" \
	test "$(stat -c %a "$DB")" = 600

tp_done
