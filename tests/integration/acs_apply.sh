# Integration: apply of acs.csv against the simulator — signed requests
# accepted, all three principal type spellings, absent rows revoked, a
# second apply that sends only one GET per row and changes nothing, drift
# made behind the tool's back (/_sim/acs) shown by plan --refresh and
# repaired by the next apply.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/acs-lib.sh"

sim_start
acs_manifest "$T/m"
{
	echo "$ACS_HEAD"
	acs_rows 3 teamsResourceAccount present
	acs_rows 3 resourceAccount ""
	acs_rows 3 user present
	acs_rows 2 user absent
} >"$T/m/acs.csv"
# one absent row exists in the tenant beforehand
gone=$(grep ',absent$' "$T/m/acs.csv" | head -n 1)
t=${gone%%,*}; rest=${gone#*,}; o=${rest%%,*}
req PUT "/_sim/acs/$t/$o" -d '{"principalType":"user","clientIds":["1bfa671a-dc6b-47f3-8940-45c0f1af0fa6"]}'
expect 201 "an assignment made behind the tool's back"

tp -m "$T/m" plan
expect_rc 2 "plan shows work before apply"
check "plan names grants" contains "$T/out" "grant ACS assignment"
check "plan names revokes" contains "$T/out" "revoke ACS assignment"
check "plan counts them" contains "$T/out" "plan: 11 ACS assignments to grant or revoke"

tp -m "$T/m" apply
expect_rc 0 "apply of 11 rows succeeds (signatures accepted)"
check "the summary counts them" contains "$T/out" "ACS assignments: 11 selected, 9 granted, 2 revoked, 0 unchanged, 0 failed"
check "no ACS left-alone notice" sh -c "! grep -q 'left alone' '$T/err'"
check "9 PUTs sent" test "$(acs_count put)" = 9
check "2 DELETEs sent" test "$(acs_count delete)" = 2
check "each change confirmed with a GET" test "$(acs_count get)" = 11
check "the tenant holds the 9 present rows" test "$(acs_count assignments)" = 9
check "the absent row was removed" \
	test "$(sim_stat "sum(1 for a in s['acs']['present'] if a['objectId'] == '$o')")" = 0
for ty in teamsResourceAccount resourceAccount user; do
	check "principal type $ty sent as written" \
		test "$(sim_stat "sum(1 for a in s['acs']['present'] if a['principalType'] == '$ty')")" = 3
done
check "the journal holds 9 confirmed" test "$(jq_db "select count(*) from acs_assignments where status=1")" = 9
check "the journal holds 2 absent_confirmed" test "$(jq_db "select count(*) from acs_assignments where status=2")" = 2

tp -m "$T/m" plan
expect_rc 0 "plan after apply: nothing to do"
check "it says so" contains "$T/out" "plan: nothing to do"

tp -m "$T/m" apply
expect_rc 0 "a second apply succeeds"
check "it changes nothing" contains "$T/out" "0 granted, 0 revoked, 11 unchanged, 0 failed"
check "no PUT sent again" test "$(acs_count put)" = 9
check "no DELETE sent again" test "$(acs_count delete)" = 2
check "exactly one GET per row" test "$(acs_count get)" = 22

# Drift: one row's client ids changed, one present row deleted, one
# absent row granted, all through the simulator's back door.
u=$(grep ',user,.*,present$' "$T/m/acs.csv" | head -n 1)
ut=${u%%,*}; r=${u#*,}; uo=${r%%,*}
req PUT "/_sim/acs/$ut/$uo" -d '{"principalType":"user","clientIds":["2bfa671a-dc6b-47f3-8940-45c0f1af0fa6"]}'
expect 200 "client ids changed behind the tool's back"
p=$(grep ',teamsResourceAccount,' "$T/m/acs.csv" | head -n 1)
pt=${p%%,*}; r=${p#*,}; po=${r%%,*}
req DELETE "/_sim/acs/$pt/$po"
expect 204 "a present assignment deleted behind the tool's back"
req PUT "/_sim/acs/$t/$o" -d '{"principalType":"user","clientIds":["1bfa671a-dc6b-47f3-8940-45c0f1af0fa6"]}'
expect 201 "an absent assignment granted behind the tool's back"

tp -m "$T/m" plan
expect_rc 0 "plan without --refresh trusts the journal"
tp -m "$T/m" plan --refresh
expect_rc 2 "plan --refresh finds the drift"
check "it shows different clientIds" contains "$T/out" "$ut/$uo (user, 2 client ids) (drift: clientIds differ (live: \"2bfa671a-dc6b-47f3-8940-45c0f1af0fa6\""
check "it shows a missing assignment" contains "$T/out" "$pt/$po (teamsResourceAccount, 0 client ids) (drift: assignment missing)"
check "it shows one present where absent" contains "$T/out" "revoke ACS assignment $t/$o (drift: present where the manifest says absent)"
check "it counts three" contains "$T/out" "plan: 3 ACS assignments to grant or revoke"

tp -m "$T/m" apply
expect_rc 0 "apply repairs the drift"
check "it changed exactly the three" contains "$T/out" "2 granted, 1 revoked, 8 unchanged, 0 failed"
tp -m "$T/m" plan --refresh
expect_rc 0 "plan --refresh: nothing to do after the repair"

tp_done
