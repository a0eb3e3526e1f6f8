# Integration: --only selects the acs.csv rows whose enterprise column
# names the enterprise (samples/: Acme Corporation has two, one present
# and one absent); plan and apply agree.
. "$TP_ROOT/tests/lib.sh"

cp -r "$TP_ROOT/samples" "$T/m"
rm -rf "$T/m/bad"
sim_start --sbc "$T/m/sbc_gateways.csv" --pbx "$T/m/pbx_types.csv" \
	--wizard-duration 0.5 --init-delay 0.2
for i in $(seq 1 20); do export "FUSION_APP_SECRET_$i=test-app-secret-$i"; done
export TEAMSPROV_C2T_BASE_URL=$SIM_URL TEAMSPROV_C2T_RATE=1000/s \
	C2T_CLIENT_SECRET=sim-secret C2T_PASSWORD=sim-pass \
	TEAMSPROV_FUSION_BASE_URL=$SIM_URL FUSION_PASSWORD=sim-pass \
	ACS_CONNECTION_STRING="endpoint=$SIM_URL/;accesskey=c2ltLWFjcy1rZXk=" \
	TEAMSPROV_ACS_RATE=1000/s

tp -m "$T/m" plan --only "acme corporation"
expect_rc 2 "plan --only shows work"
check "two ACS rows planned" contains "$T/out" "plan: 2 ACS assignments to grant or revoke"
check "Contoso's row is not" sh -c "! grep -q 830e07bc-1e39-4f10-92bd-4acefaecbd38 '$T/out'"
tp -m "$T/m" apply --only "acme corporation"
expect_rc 0 "apply --only succeeds"
check "only Acme's two rows" contains "$T/out" "ACS assignments: 2 selected, 1 granted, 1 revoked, 0 unchanged, 0 failed"
check "one assignment in the tenant" test "$(sim_stat 's["acs"]["assignments"]')" = 1
tp -m "$T/m" apply
expect_rc 0 "apply of everything"
check "the other twelve follow, Acme's only verified" contains "$T/out" "ACS assignments: 14 selected, 10 granted, 2 revoked, 2 unchanged, 0 failed"

tp_done
