# Integration: apply of 200 enterprises against a simulator that answers
# 10 % of requests 503, resets 5 % of connections unanswered and performs
# 5 % before dropping the answer. With retries = 10 every item succeeds,
# nothing is created twice, and the journal agrees with the simulator.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"

N=200
gen_manifest "$T/m" $N
sim_start --fail-rate 0.1 --reset-rate 0.05 --lost-response-rate 0.05 \
	--seed 11
apply_env
export TEAMSPROV_RUN_RETRIES=10
DB=$T/m/teamsprov.db

tp -m "$T/m" apply
expect_rc 0 "apply under faults succeeds"
check "the summary shows no failure" \
	grep -q "^enterprises: $N selected, .* 0 failed$" "$T/out"
check "every URL was issued" \
	grep -q "^action URLs: $((N * 5)) issued, 0 failed$" "$T/out"
check "the faults bit: 503s, resets and lost answers" \
	test "$(sim_stat 'min(s["faults"]["fail"], s["faults"]["reset"], s["faults"]["lost_response"])')" -gt 5
check "some creates lost their answer and were adopted" \
	test "$(q "select count(*) from enterprises where status=2")" -gt 0
check "the journal holds every enterprise as created or adopted" \
	test "$(q "select count(*) from enterprises where status in (1, 2)
		and enterprise_id > 0")" = $N
check "journal ids equal the simulator's" ids_match
check "the simulator holds $N enterprises, none twice" \
	test "$(sim_stat 's["c2t"]["enterprises_created"]')" = $N

# Create attempts per name <= 1 + the ambiguous failures journaled for it.
sim_stats >"$T/stats.json"
python3 - "$DB" "$T/stats.json" >"$T/attempts" <<-'EOF'
	import json, sqlite3, sys
	att = json.load(open(sys.argv[2]))["c2t"]["create_attempts"]
	amb = dict(sqlite3.connect(sys.argv[1]).execute(
	    "select name, ambiguous from enterprises"))
	bad = [n for n, a in att.items() if a > 1 + amb.get(n, 0)]
	print(len(att), sum(att.values()), sum(amb.values()), len(bad))
	for n in bad[:5]:
	    print("#", n, att[n], amb.get(n))
EOF
read -r names attempts ambiguous bad <"$T/attempts"
grep "^#" "$T/attempts" || true
echo "# $attempts create attempts for $names names, $ambiguous ambiguous"
check "create attempts per name <= 1 + its ambiguous failures" \
	test "$names" = $N -a "$bad" = 0
check "some creates were retried" test "$attempts" -gt $N

# Every required action (five for a Trunk enterprise) has one URL.
check "every enterprise has its five action URLs in the journal" \
	test "$(q "select count(*) from (select key from actions
		where status=1 and url is not null group by key
		having count(*) = 5 and count(distinct action) = 5)")" = $N
check "no other action rows" \
	test "$(q "select count(*) from actions")" = $((N * 5))
check "URLs were requested again only after lost answers" \
	test "$(sim_stat 'sum(sum(v.values()) for v in s["c2t"]["action_urls"].values())')" -ge $((N * 5))

work='s["requests"].get("c2t.newEnterprise", 0) + s["requests"].get("c2t.getActionItemUrl", 0)'
before=$(sim_stat "$work")
tp -q -m "$T/m" apply
expect_rc 0 "a second apply succeeds"
check "a second apply has nothing left to do" \
	contains "$T/out" "0 created, 0 adopted, $N already present"
check "and sends no create and no URL request" \
	test "$(sim_stat "$work")" = "$before"

tp_done
