# Integration: 200 ACS assignments against a faulty simulator (10% of
# requests answered 503, 5% of connections reset) with retries = 10: every
# one granted and confirmed, none lost or doubled; a second apply changes
# nothing.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/acs-lib.sh"

sim_start --fail-rate 0.1 --reset-rate 0.05 --seed 7
acs_manifest "$T/m"
{
	echo "$ACS_HEAD"
	acs_rows 100 user present
	acs_rows 50 teamsResourceAccount present
	acs_rows 50 resourceAccount present
} >"$T/m/acs.csv"
export TEAMSPROV_RUN_RETRIES=10

tp -m "$T/m" -j 8 apply --metrics "$T/metrics.prom"
expect_rc 0 "200 assignments through faults succeed"
check "all 200 granted" contains "$T/out" "ACS assignments: 200 selected, 200 granted, 0 revoked, 0 unchanged, 0 failed"
check "the tenant holds 200" test "$(acs_count assignments)" = 200
check "the journal confirmed 200" test "$(jq_db "select count(*) from acs_assignments where status=1 and confirmed_at > 0")" = 200
check "faults were met (retries happened)" \
	grep -Eq '^teamsprov_retries_total\{api="acs"\} [1-9]' "$T/metrics.prom"
check "metrics count the granted" \
	grep -q '^teamsprov_items{kind="acs_assignment",status="granted"} 200' "$T/metrics.prom"
# every client id set is exactly the manifest's
python3 - "$T/m/acs.csv" "$SIM_URL" >"$T/cmp" <<'PY'
import csv, json, sys, urllib.request
rows = {(r["tenant_id"].lower(), r["object_id"].lower()): r for r in csv.DictReader(open(sys.argv[1]))}
s = json.load(urllib.request.urlopen(sys.argv[2] + "/_sim/stats"))
live = {(a["tenantId"].lower(), a["objectId"].lower()): a for a in s["acs"]["present"]}
print("same" if set(rows) == set(live) and all(
    live[k]["principalType"] == rows[k]["principal_type"] for k in rows) else "differ")
PY
check "exactly the manifest's assignments and types" test "$(cat "$T/cmp")" = same

puts=$(acs_count put)
tp -m "$T/m" -j 8 apply
expect_rc 0 "a second apply through faults succeeds"
check "it changes nothing" contains "$T/out" "0 granted, 0 revoked, 200 unchanged, 0 failed"
check "no PUT sent" test "$(acs_count put)" = "$puts"

tp_done
