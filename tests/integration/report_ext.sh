# Integration: the Fusion wizard and ACS parts of teamsprov report, from
# what apply journaled (journal_fusion.h, journal_acs.h).
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"

gen_manifest "$T/m" 3
cat >>"$T/m/teamsprov.conf" <<'CONF'

[fusion]
base_url = http://127.0.0.1:1
draas_instance = draas_v1
username = sim-fusion
password_env = FUSION_PASSWORD
rate = 1000/s
poll_first = 100ms
poll_factor = 1.5
poll_max = 500ms
init_grace = 30s

[acs]
connection_string_env = ACS_CONNECTION_STRING
rate = 1000/s
CONF
cat >"$T/m/fusion.csv" <<'CSV'
tenant,subscription,ms_tenant_id,application_id,secret,link_subscription,enterprise
6513270e-269e-4d37-b2a7-4de452e6b438,1000,8d116ece-1738-47d9-bd9c-172411e20b8f,90c192cf-d3ac-44af-8f21-ddb66cad4a26,env:APP_SECRET,,Gen Corp 0001
d23f0824-128b-4f33-8c5c-7fd0a6a3a450,1007,a170b338-3926-4059-b28c-105d1fb17c23,0fd630f1-f29d-4da9-953f-48f1a09f76b5,env:APP_SECRET,,Gen Corp 0002
6513270e-269e-4d37-b2a7-4de452e6b438,1021,,,,1000,Gen Corp 0001
CSV
cat >"$T/m/acs.csv" <<'CSV'
tenant_id,object_id,principal_type,client_ids,state,enterprise
6513270e-269e-4d37-b2a7-4de452e6b438,9be4bcfc-49b6-4a08-b2e6-cc3ababced20,teamsResourceAccount,,,Gen Corp 0001
6513270e-269e-4d37-b2a7-4de452e6b438,830e07bc-1e39-4f10-92bd-4acefaecbd38,user,57ee05cd-e009-42c7-bebf-f20686734721,,Gen Corp 0001
6513270e-269e-4d37-b2a7-4de452e6b438,13deef86-ab10-41d0-b646-e1f40a097c97,teamsResourceAccount,,absent,Gen Corp 0003
CSV
sim_start --wizard-duration 1 --init-delay 0
apply_env
export TEAMSPROV_FUSION_BASE_URL=$SIM_URL APP_SECRET=app-secret \
	FUSION_PASSWORD=sim-pass \
	ACS_CONNECTION_STRING="endpoint=$SIM_URL/;accesskey=c2ltLWFjcy1rZXk="
tp -q -m "$T/m" apply
expect_rc 0 "apply with Fusion and ACS rows"
tp -m "$T/m" report --out "$T/r"
expect_rc 0 "report with wizards and assignments"
wizards=$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["wizards"]
print(sum(s.values()))' "$T/r/summary.json" 2>/dev/null || echo 0)

E=$T/r/enterprises
check "a wizard row per fusion.csv row" test "$wizards" = 3
check "enterprises.csv shows the wizard" \
	grep -qE '^Gen Corp 0001,[0-9]+,created,no,[0-9]+,[0-9]+,(done|running [0-9]/6) \(' "$T/r/enterprises.csv"
check "the page shows the wizard's steps" \
	contains "$E/gen-corp-0001.html" "Fusion onboarding wizard"
check "steps say executed" contains "$E/gen-corp-0001.html" "t-executed"
check "enterprises.csv counts ACS rows" \
	grep -qE '^Gen Corp 0001,.*,[0-2]/2,' "$T/r/enterprises.csv"
check "the page lists the ACS assignments" \
	contains "$E/gen-corp-0001.html" "9be4bcfc-49b6-4a08-b2e6-cc3ababced20"
check "an absent assignment is not counted" \
	grep -qE '^Gen Corp 0003,.*,0/0,' "$T/r/enterprises.csv"
check "summary.json counts ACS" python3 -c 'import json, sys
a = json.load(open(sys.argv[1]))["acs"]
assert a["present"] == 2, a' "$T/r/summary.json"

# A wizard that fails lands in failed/ with its enterprise.
sim_restart --wizard-duration 1 --init-delay 0 --wizard-fail-rate 1
export TEAMSPROV_FUSION_BASE_URL=$SIM_URL TEAMSPROV_C2T_BASE_URL=$SIM_URL \
	ACS_CONNECTION_STRING="endpoint=$SIM_URL/;accesskey=c2ltLWFjcy1rZXk="
sed -i 's/,1007,/,1008,/' "$T/m/fusion.csv"
tp -q -m "$T/m" apply
expect_rc 1 "apply with a failing wizard exits 1"
tp -m "$T/m" report --out "$T/r"
expect_rc 0 "report with a failed wizard"
check "a failed wizard's row is in failed/fusion.csv" \
	contains "$T/r/failed/fusion.csv" ",1008,"
tp -m "$T/r/failed" validate
expect_rc 0 "failed/ validates"

# state forget drops an enterprise's wizard and assignment rows with it.
DB=$T/m/teamsprov.db
rows() {
	echo "$(q "select count(*) from fusion_wizards where enterprise = '$1'")/$(q "select count(*) from acs_assignments where enterprise = '$1'")"
}
check "Gen Corp 0001 has wizard and ACS rows ($(rows 'Gen Corp 0001'))" \
	sh -c "[ '$(rows 'Gen Corp 0001')' != 0/0 ]"
tp -m "$T/m" state forget "Gen Corp 0001"
expect_rc 0 "state forget"
check "its wizard and ACS rows are gone" test "$(rows 'Gen Corp 0001')" = 0/0
check "the others' stay" sh -c "[ '$(rows 'Gen Corp 0002')' != 0/0 ]"
tp_done
