# Integration: a 200-enterprise apply killed with SIGKILL at five random
# moments (chosen by the simulator's request count, not by sleeps), then
# run to the end. Nothing is lost or created twice, the journal agrees
# with the simulator, and only requests in flight at a kill were sent
# again. Outcomes reach the database in batches of up to 50 ms; what a
# kill left only in the redo log (teamsprov.db.redo) is replayed by the
# next apply, or by any reader.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"

N=200
W=4     # workers: at most W requests are in flight at a kill
KILLS=5
gen_manifest "$T/m" $N
sim_start --latency 5
apply_env
DB=$T/m/teamsprov.db
work='s["requests"].get("c2t.newEnterprise", 0) + s["requests"].get("c2t.getActionItemUrl", 0)'

killed=0
for k in $(seq $KILLS); do
	# A random point 40..200 requests of work further on: five of
	# them stay inside the ~1,200 requests of the run.
	target=$(($(work_now) + 40 + RANDOM % 160))
	$TP_WRAP "$TEAMSPROV" -q -j $W -m "$T/m" apply \
		>"$T/run$k.out" 2>"$T/run$k.err" &
	pid=$!
	await '[ "$(work_now)" -ge $target ] || ! kill -0 $pid 2>/dev/null' ||
		true
	if kill -KILL $pid 2>/dev/null; then
		killed=$((killed + 1))
	fi
	wait $pid 2>/dev/null || true
	echo "# kill $k at $(work_now) requests (target $target)"
done
check "all $KILLS kills hit a running apply" test $killed = $KILLS
check "the kills left work to do" \
	test "$(q "select count(*) from actions where status=1")" -lt $((N * 5))
check "the killed run left its redo log" test -s "$DB.redo"

# A reader replays what the last kill left, before it reads.
issued() { q "select count(*) from actions where status=1 and url is not null"; }
was=$(issued)
tp -m "$T/m" state list
expect_rc 0 "state list after the kills"
check "it replayed the redo log and removed it" test ! -e "$DB.redo"
now=$(issued)
distinct=$(sim_stat 'sum(len(v) for v in s["c2t"]["action_urls"].values())')
echo "# URLs in the journal: $was before the replay, $now after; the simulator issued $distinct"
check "the journal holds every URL issued but those in flight at the kills" \
	test $((distinct - now)) -le $((W * KILLS))

tp -q -j $W -m "$T/m" apply
expect_rc 0 "apply after the kills finishes"
check "the journal holds every enterprise as created or adopted" \
	test "$(q "select count(*) from enterprises where status in (1, 2)
		and enterprise_id > 0")" = $N
check "journal ids equal the simulator's" ids_match
check "no enterprise was created twice" \
	test "$(sim_stat 's["c2t"]["enterprises_created"]')" = $N
creates=$(sim_stat 'sum(s["c2t"]["create_attempts"].values())')
check "creates sent again <= in flight at the kills ($((creates - N)))" \
	test $((creates - N)) -le $((W * KILLS))
check "every enterprise has its five action URLs in the journal" \
	test "$(q "select count(*) from (select key from actions
		where status=1 and url is not null group by key
		having count(*) = 5)")" = $N
urls=$(sim_stat 'sum(sum(v.values()) for v in s["c2t"]["action_urls"].values())')
check "URLs requested beyond one per action <= in flight at the kills ($((urls - N * 5)))" \
	test $((urls - N * 5)) -ge 0 -a $((urls - N * 5)) -le $((W * KILLS))
check "an interrupted create was adopted or created, never failed" \
	test "$(q "select count(*) from enterprises where status=3")" = 0

before=$(sim_stat "$work")
tp -q -m "$T/m" apply
expect_rc 0 "one more apply succeeds"
check "and sends no create and no URL request" \
	test "$(sim_stat "$work")" = "$before"

tp_done
