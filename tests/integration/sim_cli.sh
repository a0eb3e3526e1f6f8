#!/bin/bash
# sim_cli: teamsprov-sim's command line (help, version, usage errors, CSV
# lists), its listening address, token expiry (--token-ttl) and revocation,
# the --url-format shapes, and a clean exit on SIGTERM.
. "$TP_ROOT/tests/lib.sh"

run() {
	set +e
	$TP_WRAP "$TEAMSPROV_SIM" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	set -e
}

run --help
check "--help exits 0" test "$RC" = 0
check "--help lists every option of spec section 10" sh -c '
	for o in listen latency rate-limit fail-rate reset-rate lost-response-rate \
		wizard-duration wizard-fail-rate init-delay seed sbc pbx token-ttl \
		c2t-client c2t-user reseller-id fusion-user fusion-m2m acs-key acs-token; do
		grep -q -- "--$o " "$1" || exit 1
	done' sh "$T/out"
run --version
check "--version" grep -q '^teamsprov-sim ' "$T/out"
run --bogus
check "unknown option: 64" test "$RC" = 64
check "usage on stderr" grep -q '^usage: teamsprov-sim' "$T/err"
run --fail-rate 2
check "rate out of range: 64" test "$RC" = 64
run --latency x
check "bad latency: 64" test "$RC" = 64
run --rate-limit 5/h
check "bad rate unit: 64" test "$RC" = 64
run --c2t-user nocolon
check "credential without a colon: 64" test "$RC" = 64
run extra
check "stray argument: 64" test "$RC" = 64
printf 'region,id\nUS-East,notanumber\n' >"$T/bad.csv"
run --sbc "$T/bad.csv"
check "bad SBC CSV: 65" test "$RC" = 65
check "FILE:LINE message" grep -q "bad.csv:2: error" "$T/err"
run --pbx "$T/missing.csv"
check "missing PBX CSV: 65" test "$RC" = 65
run --listen 127.0.0.1
check "--listen without port: 64" test "$RC" = 64

printf 'id,region\n42,"Mars, North"\n43,Moon\n' >"$T/sbc.csv"
printf 'name,id,disabled\nAlpha,7,no\nBeta,8,yes\n' >"$T/pbx.csv"
sim_start --sbc "$T/sbc.csv" --pbx "$T/pbx.csv" --url-format object \
	--c2t-user ops:pw --reseller-id 77
check "first stdout line names the port" \
	sh -c "echo '$SIM_ADDR' | grep -q '^127\.0\.0\.1:[0-9][0-9]*$'"
PORT=${SIM_ADDR##*:}
check "listens only on the address given" \
	sh -c "! curl -s -o /dev/null http://127.0.0.2:$PORT/_sim/stats"
# Under valgrind /proc shows valgrind's own argument copy, which the
# simulator cannot reach.
if [ -n "$TP_WRAP" ]; then
	skip "secrets blanked from the process list (not visible under valgrind)"
else
	check "secrets blanked from the process list" \
		sh -c "! grep -q 'ops:pw' /proc/$SIM_PID/cmdline"
fi
req POST /oauth/token -u sim-client:sim-secret -d grant_type=password \
	-d username=ops -d password=pw
expect 200 "configured credentials"
AUTH="Authorization: Bearer $(jget 'd["access_token"]')"
req GET /reseller/getAvailableSBCGatewayRegionsByResellerId/77 -H "$AUTH"
expect 200 "configured reseller id"
check "SBC list from the CSV" test "$(jget 'd')" = \
	"[{'sbcGatewayId': 42, 'sbcGatewayRegion': 'Mars, North'}, {'sbcGatewayId': 43, 'sbcGatewayRegion': 'Moon'}]"
req GET "/pbx/getPBXTypesByResellerId?resellerId=77" -H "$AUTH"
check "PBX list from the CSV with disabled" \
	test "$(jget '[(p["pbxName"], p["id"], p["isDisabled"]) for p in d]')" = \
	"[('Alpha', 7, False), ('Beta', 8, True)]"
req POST /reseller/newEnterprise -H "$AUTH" \
	-d '{"enterpriseName":"E","services":[],"sbcGateways":[],"pbxId":[]}'
req POST /enterprise/getActionItemUrl -H "$AUTH" \
	-d '{"actionType":"REGISTRATION","enterpriseName":"E","redirectUrl":"https://x/cb"}'
check "--url-format object" test "$(jget 'd["url"].startswith("http://")')" = True

sim_restart --token-ttl 3
FS=/api/v01/draas/draas_v1/tenants/27b418d0-b197-483d-a0b8-da90407a92c4/subscriptions/1/msteams/status
req POST /api/v01/auth/login -d '{"username":"sim-fusion","password":"sim-pass"}'
# sed rather than python here: keep the time between login and use short
FA="Authorization: Bearer $(sed 's/.*"access_token":"\([^"]*\)".*/\1/' "$T/body")"
FR="Authorization: Bearer $(sed 's/.*"refresh_token":"\([^"]*\)".*/\1/' "$T/body")"
req GET "$FS" -H "$FA"
expect 200 "Fusion access token valid at first"
req POST /oauth/token -u sim-client:sim-secret -d grant_type=password \
	-d username=sim-user -d password=sim-pass
check "expires_in follows --token-ttl" test "$(jget 'd["expires_in"]')" = 3
AUTH="Authorization: Bearer $(jget 'd["access_token"]')"
# await the expiry by polling (the ttl is 3 s)
for _ in $(seq 1 120); do
	req GET "$FS" -H "$FA"
	[ "$ST" = 401 ] && break
	python3 -c 'import time; time.sleep(0.05)'
done
expect 401 "Fusion access token expired: 401"
for _ in $(seq 1 120); do
	req GET /reseller/getAvailableSBCGatewayRegionsByResellerId/54 -H "$AUTH"
	[ "$ST" = 401 ] && break
	python3 -c 'import time; time.sleep(0.05)'
done
expect 401 "C2T token expired: 401"
check "expired token explained" grep -q 'expired' "$T/body"
req GET /api/v01/auth/access_token -H "$FR"
expect 200 "refresh token still valid"
req POST /_sim/expire-tokens
expect 200 "expire-tokens"
req GET /api/v01/auth/access_token -H "$FR"
expect 401 "refresh token revoked"

sim_restart --url-format json
req POST /oauth/token -u sim-client:sim-secret -d grant_type=password \
	-d username=sim-user -d password=sim-pass
AUTH="Authorization: Bearer $(jget 'd["access_token"]')"
req POST /reseller/newEnterprise -H "$AUTH" \
	-d '{"enterpriseName":"E","services":[],"sbcGateways":[],"pbxId":[]}'
req POST /enterprise/getActionItemUrl -H "$AUTH" \
	-d '{"actionType":"REGISTRATION","enterpriseName":"E","redirectUrl":"https://x/cb"}'
check "--url-format json: a JSON string" test "$(jget 'd.startswith("http://")')" = True

# SIGTERM while an answer is delayed: it is sent, then a clean exit
sim_restart --latency 60000
curl -sS -o "$T/late" -w '%{http_code}' "$SIM_URL/pbx/getPBXTypesByResellerId" \
	>"$T/late.status" 2>&1 &
CPID=$!
for _ in $(seq 1 100); do
	req GET /_sim/stats
	[ "$(jget 'd["in_flight"]["delayed"]')" = 1 ] && break
	python3 -c 'import time; time.sleep(0.05)'
done
check "the delayed request is waiting" test "$(jget 'd["in_flight"]["delayed"]')" = 1
kill -TERM "$SIM_PID"
set +e
wait "$SIM_PID"
RC=$?
wait "$CPID"
set -e
SIM_PID=
check "SIGTERM: clean exit 0" test "$RC" = 0
sed 's/^/# delayed request: /' "$T/late.status"
check "the delayed answer was sent before the exit" \
	test "$(cat "$T/late.status")" = 401
tp_done
