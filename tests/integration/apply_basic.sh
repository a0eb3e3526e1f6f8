# Integration: apply on samples/ against the simulator — every enterprise
# created once, every required action URL issued once and journaled, and
# a second apply that has nothing left to do.
. "$TP_ROOT/tests/lib.sh"

cp -r "$TP_ROOT/samples" "$T/m"
rm -rf "$T/m/bad"
sim_start --sbc "$T/m/sbc_gateways.csv" --pbx "$T/m/pbx_types.csv" \
	--wizard-duration 0.5 --init-delay 0.2
export TEAMSPROV_C2T_BASE_URL=$SIM_URL TEAMSPROV_C2T_RATE=1000/s \
	C2T_CLIENT_SECRET=sim-secret C2T_PASSWORD=sim-pass \
	TEAMSPROV_FUSION_BASE_URL=$SIM_URL FUSION_PASSWORD=sim-pass \
	ACS_CONNECTION_STRING="endpoint=$SIM_URL/;accesskey=c2ltLWFjcy1rZXk=" \
	TEAMSPROV_ACS_RATE=1000/s
for i in $(seq 1 20); do export "FUSION_APP_SECRET_$i=test-app-secret-$i"; done

tp -m "$T/m" apply --metrics "$T/metrics.prom"
expect_rc 0 "apply on samples succeeds"
n=$(grep -c . "$T/m/enterprises.csv")
n=$((n - 1))
check "every enterprise was created once" \
	test "$(sim_stat 'sum(1 for v in s["c2t"]["create_attempts"].values() if v == 1)')" = "$n"
check "no duplicate create was refused" \
	test "$(sim_stat 's["c2t"]["duplicate_refusals"]')" = 0
check "the summary counts them" contains "$T/out" "$n created"
db=$T/m/teamsprov.db
q() { python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$db" "$1"; }
check "the journal holds every enterprise as created" \
	test "$(q "select count(*) from enterprises where status=1")" = "$n"
curl -sS "$SIM_URL/_sim/enterprises" | python3 -c 'import json, sys
for e in json.load(sys.stdin): print(e["enterpriseName"].lower(), e["enterpriseId"])' |
	sort >"$T/sim.ids"
python3 -c 'import sqlite3, sys
for k, i in sqlite3.connect(sys.argv[1]).execute(
    "select key, enterprise_id from enterprises"): print(k, i)' "$db" |
	sort >"$T/journal.ids"
check "journal ids equal the simulator's" cmp -s "$T/sim.ids" "$T/journal.ids"
urls=$(q "select count(*) from actions where status=1 and url is not null")
issued=$(sim_stat 'sum(sum(v.values()) for v in s["c2t"]["action_urls"].values())')
check "every journaled URL was issued exactly once ($urls)" test "$urls" = "$issued"
check "URLs carry a hashed token only" \
	test "$(q "select count(*) from actions where length(token_hash)=64")" = "$urls"
check "metrics were written" grep -q '^teamsprov_items{kind="enterprise",status="created"} '"$n" "$T/metrics.prom"
check "every fusion row is onboarded or linked" contains "$T/out" "fusion: 12 selected, 9 applications registered, 0 secrets reset, 3 linked"
check "every wizard is done" contains "$T/out" "wizards: 9 started, 0 adopted, 9 done, 0 failed, 0 running"
check "acs.csv rows are granted and revoked" contains "$T/out" "ACS assignments: 14 selected, 11 granted, 3 revoked, 0 unchanged, 0 failed"
tp -m "$T/m" state show "Acme Corporation"
expect_rc 0 "state show of an enterprise with ACS rows"
check "it lists its ACS assignments" contains "$T/out" "9be4bcfc-49b6-4a08-b2e6-cc3ababced20 teamsResourceAccount confirmed"
check "an absent one as absent_confirmed" contains "$T/out" "58d5563d-ab2c-431e-a315-128862c33a4f teamsResourceAccount absent_confirmed"

api='sum(v for k, v in s["requests"].items() if not k.startswith(("sim.", "acs.")))'
before=$(sim_stat "$api")
tp -q -m "$T/m" apply
expect_rc 0 "a second apply succeeds"
check "a second apply creates nothing" contains "$T/out" "0 created, 0 adopted, $n already present"
after=$(sim_stat "$api")
check "a second apply sends only the preflight requests" \
	test "$((after - before))" -le 3

# One writer: a held lock makes a second apply exit 75 at once.
exec 8>"$T/m/teamsprov.db.lock"
flock 8
echo 999999 >&8
tp -m "$T/m" apply
expect_rc 75 "a second apply on a locked state exits 75"
check "it names the holder" contains "$T/err" "pid 999999"
flock -u 8
exec 8>&-

tp_done
