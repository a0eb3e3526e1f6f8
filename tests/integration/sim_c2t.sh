#!/bin/bash
# sim_c2t: teamsprov-sim's ConnecttoTeams routes with curl: the OAuth2
# token endpoint, reseller lookups, enterprise creation and its refusals,
# the enterprise list and action URLs for every action type.
. "$TP_ROOT/tests/lib.sh"

# req METHOD PATH [CURL ARGS...]: status in $ST, body in $T/body.

sim_start --seed 3

# --- the token endpoint, the OAuth2 way
req POST /oauth/token -u sim-client:sim-secret -d grant_type=password \
	-d username=sim-user -d password=sim-pass
expect 200 "password grant issues a token"
check "token response is standard OAuth2" \
	test "$(jget 'd["token_type"], d["expires_in"] > 0')" = "('bearer', True)"
AUTH="Authorization: Bearer $(jget 'd["access_token"]')"
req POST /oauth/token -u sim-client:wrong -d grant_type=password \
	-d username=sim-user -d password=sim-pass
expect 401 "wrong client secret: 401"
check "invalid_client error" body_has '"error":"invalid_client"'
check "WWW-Authenticate on 401" grep -qi '^WWW-Authenticate: Basic' "$T/hdr"
req POST /oauth/token -d grant_type=password -d username=sim-user \
	-d password=sim-pass
expect 401 "no client credentials: 401"
req POST /oauth/token -u sim-client:sim-secret -d grant_type=password \
	-d username=sim-user -d password=nope
expect 400 "wrong password: 400"
check "invalid_grant error" body_has '"error":"invalid_grant"'
req POST /oauth/token -u sim-client:sim-secret -d grant_type=client_credentials
expect 400 "other grant type: 400"
check "unsupported_grant_type" body_has unsupported_grant_type
req GET /oauth/token
expect 405 "GET on the token endpoint: 405"

# --- authentication of API calls
req GET /reseller/getAvailableSBCGatewayRegionsByResellerId/54
expect 401 "no bearer: 401"
req GET /reseller/getAvailableSBCGatewayRegionsByResellerId/54 \
	-H "Authorization: Bearer c2t-1.0.00000000000000000000000000000000"
expect 401 "forged bearer: 401"
check "invalid_token error" body_has invalid_token

# --- reseller lookups
req PUT /reseller/getAuthenticatedUser -H "$AUTH" --data-binary sim-user
expect 200 "getAuthenticatedUser"
check "resellerId 54" test "$(jget 'd["resellerId"]')" = 54
req PUT /reseller/getAuthenticatedUser -H "$AUTH" --data-binary other
expect 404 "getAuthenticatedUser of another user: 404"
req GET /reseller/getAvailableSBCGatewayRegionsByResellerId/54 -H "$AUTH"
expect 200 "SBC gateways"
check "SBC gateway objects" \
	test "$(jget 'sorted(d[0].keys())')" = "['sbcGatewayId', 'sbcGatewayRegion']"
req GET /reseller/getAvailableSBCGatewayRegionsByResellerId/55 -H "$AUTH"
expect 403 "SBC gateways of another reseller: 403"
req GET /reseller/getAvailableSBCGatewayRegionsByResellerId/x -H "$AUTH"
expect 400 "SBC gateways, non-numeric reseller: 400"
req GET "/pbx/getPBXTypesByResellerId?resellerId=54" -H "$AUTH"
expect 200 "PBX types"
check "PBX type fields" test "$(jget 'sorted(d[0].keys())')" = \
	"['hostingType', 'id', 'isDefault', 'isDisabled', 'pbxLabel', 'pbxName']"
req GET "/pbx/getPBXTypesByResellerId" -H "$AUTH"
expect 400 "PBX types without resellerId: 400"

# --- enterprise creation
create() {
	req POST /reseller/newEnterprise -H "$AUTH" \
		-H 'Content-Type: application/json' "$@"
}
create -d '{"services":[],"sbcGateways":[],"pbxId":[]}'
expect 400 "create without enterpriseName: 400"
create -d '{"enterpriseName":"A","sbcGateways":[],"pbxId":[]}'
expect 400 "create without services: 400"
create -d '{"enterpriseName":"A","services":["CallApp"],"sbcGateways":[],"pbxId":[]}'
expect 400 "unknown service: 400"
create -d '{"enterpriseName":"A","services":["Trunk"],"sbcGateways":[],"pbxId":[]}'
expect 400 "Trunk without SBC gateway: 400"
create -d '{"enterpriseName":"A","services":["Trunk"],"sbcGateways":[1],"pbxId":[]}'
expect 400 "unknown SBC gateway id: 400"
create -d '{"enterpriseName":"A","services":["PBX"],"sbcGateways":[5678],"pbxId":[1237]}'
expect 400 "disabled PBX type: 400"
create -d '{"enterpriseName":"A","services":["CALLAPP"],"sbcGateways":[],"pbxId":[]}'
expect 400 "CALLAPP without PBX type: 400"
create -d 'not json'
expect 400 "malformed JSON: 400"
create -d '{"enterpriseName":"A","services":[],"sbcGateways":[],"pbxId":[],"resellerId":7}'
expect 403 "create for another reseller: 403"
create -H 'Idempotency-Key: key-1' -d '{"enterpriseName":"Acme Corp","services":["PBX","SMS"],"sbcGateways":[5678],"pbxId":[1234],"restrictAdminAccess":true,"countryName":"BE"}'
expect 200 "create enterprise"
ID=$(cat "$T/body")
check "the id is a bare number above 2^31" \
	python3 -c "import sys; v=int(sys.argv[1]); sys.exit(not v > 2**31)" "$ID"
create -H 'Idempotency-Key: key-2' -d '{"enterpriseName":"ACME corp","services":[],"sbcGateways":[],"pbxId":[]}'
expect 409 "duplicate name (other case): 409"
check "refusal says already exists" body_has "already exists"
create -d '{"enterpriseName":"Second","services":["CHAT"],"sbcGateways":[],"pbxId":[]}'
expect 200 "second enterprise"
check "ids grow" test "$(cat "$T/body")" -gt "$ID"
req GET "/_sim/stats"
check "create attempts per name" test "$(jget 'd["c2t"]["create_attempts"]["Acme Corp"]')" = 2
check "idempotency keys recorded" \
	test "$(jget 'd["c2t"]["idempotency_keys"]["Acme Corp"]')" = "['key-1', 'key-2']"
check "one duplicate refusal" test "$(jget 'd["c2t"]["duplicate_refusals"]')" = 1

# --- enterprise list
req GET "/reseller/v3/getEnterprisesForReseller?resellerId=54" -H "$AUTH"
expect 200 "enterprise list"
check "list holds both with 64-bit ids" \
	test "$(jget '[(e["enterpriseName"], e["enterpriseId"]) for e in d][0]')" = "('Acme Corp', $ID)"
req GET "/reseller/v3/getEnterprisesForReseller?resellerId=9" -H "$AUTH"
expect 403 "list of another reseller: 403"

# --- action URLs, every type of spec section 4
for a in REGISTRATION LOGIN_ENTERPRISE_ADMIN GET_USER_SYNC_CONSENT \
	GET_PRESENCE_CONSENT GET_CALL_APP_CONSENT GET_CONTACTS_CONSENT \
	GET_CDR_CONSENT GET_CALL_RECORDING_CONSENT \
	GET_SERVICE_PROVIDER_MANAGEMENT_CONSENT GET_AGENT_CONSENT; do
	req POST /enterprise/getActionItemUrl -H "$AUTH" \
		-H 'Content-Type: application/json' \
		-d "{\"actionType\":\"$a\",\"enterpriseName\":\"acme corp\",\"redirectUrl\":\"https://portal.example/cb/$a\"}"
	expect 200 "action URL for $a"
done
check "URL is text/plain leading to the click page" \
	grep -q "^$SIM_URL/_sim/click/[0-9a-f]\{32\}$" "$T/body"
check "text/plain content type" grep -qi '^Content-Type: text/plain' "$T/hdr"
req POST /enterprise/getActionItemUrl -H "$AUTH" \
	-d '{"actionType":"GET_SOMETHING","enterpriseName":"Acme Corp","redirectUrl":"https://x/cb"}'
expect 400 "unknown action type: 400"
req POST /enterprise/getActionItemUrl -H "$AUTH" \
	-d '{"actionType":"REGISTRATION","enterpriseName":"Acme Corp"}'
expect 400 "missing redirectUrl: 400"
req POST /enterprise/getActionItemUrl -H "$AUTH" \
	-d '{"actionType":"REGISTRATION","enterpriseName":"Nobody","redirectUrl":"https://x/cb"}'
expect 404 "unknown enterprise: 404"
req GET "/_sim/stats"
check "URLs issued counted per enterprise and type" \
	test "$(jget 'd["c2t"]["action_urls"]["Acme Corp"]["GET_AGENT_CONSENT"]')" = 1

# --- unknown paths and methods
req GET /reseller/nothing -H "$AUTH"
expect 404 "unknown path: 404"
req DELETE /reseller/newEnterprise -H "$AUTH"
expect 405 "wrong method: 405"
req GET /_sim/stats
check "requests counted by route and status" \
	test "$(jget 'd["requests_by_status"]["c2t.newEnterprise"]["409"]')" = 1
check "401s counted for C2T" test "$(jget 'd["unauthorized"]["c2t"] >= 3')" = True
req POST /_sim/reset
expect 200 "reset"
req GET "/reseller/v3/getEnterprisesForReseller?resellerId=54" -H "$AUTH"
check "reset forgets enterprises" test "$(jget 'len(d)')" = 0

tp_done
