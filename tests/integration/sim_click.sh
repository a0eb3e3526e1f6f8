#!/bin/bash
# sim_click: the admin's part played by /_sim/click/<nonce> (the MSAL POST
# to the redirect URL, consent redirects) and the /provisioning calls that
# follow it, with their nesting, tokens and the tenant admin API error.
. "$TP_ROOT/tests/lib.sh"

location() { sed -n 's/^Location: //Ip' "$T/hdr" | tr -d '\r'; }

# A webhook receiver: appends each POST body as one line to $T/posts.
mkfifo "$T/rcv.fifo"
python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(sys.argv[1], "ab") as f:
            f.write(body + b"\n")
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
' "$T/posts" >"$T/rcv.fifo" &
RPID=$!
trap 'kill $RPID 2>/dev/null; tp_cleanup' EXIT
exec 8<"$T/rcv.fifo"
read -r RPORT <&8
CB=http://127.0.0.1:$RPORT/cb

sim_start --tenant-admin-api false
req POST /oauth/token -u sim-client:sim-secret -d grant_type=password \
	-d username=sim-user -d password=sim-pass
AUTH="Authorization: Bearer $(jget 'd["access_token"]')"
req POST /reseller/newEnterprise -H "$AUTH" \
	-d '{"enterpriseName":"Contoso","services":["PBX"],"sbcGateways":[5678],"pbxId":[1234],"restrictAdminAccess":true}'
expect 200 "enterprise created"
ID=$(cat "$T/body")

url() {
	req POST /enterprise/getActionItemUrl -H "$AUTH" \
		-d "{\"actionType\":\"$1\",\"enterpriseName\":\"Contoso\",\"redirectUrl\":\"$2\"}"
	URL=$(cat "$T/body")
}
click() {
	ST=$(curl -sS -o "$T/body" -D "$T/hdr" -w '%{http_code}' "$1") ||
		ST=000
}

# --- registration: the MSAL object is POSTed to the redirect URL
url REGISTRATION "$CB/reg"
click "$URL?outcome=success"
expect 200 "registration click answers a page"
check "the page is HTML" grep -qi '^Content-Type: text/html' "$T/hdr"
check "the receiver got one POST" test "$(wc -l <"$T/posts")" = 1
head -n 1 "$T/posts" >"$T/body"
check "MSAL object as documented" test "$(jget '(d["officeUserType"], d["companyAdmin"], d["containsTeamsTenantAdminAPI"], d["msalAuthenticationResult"]["authenticationResult"]["accessTokenType"])')" = \
	"('GLOBAL_ADMIN', True, False, 'login.microsoftonline.com')"
TENANT=$(jget 'd["msalAuthenticationResult"]["authenticationResult"]["userInfo"]["tenantId"]')
check "tenantId is a GUID" \
	python3 -c 'import sys,uuid; uuid.UUID(sys.argv[1])' "$TENANT"
MSAL=$(jget 'json.dumps(d["msalAuthenticationResult"]["authenticationResult"])')

# --- consents: redirects with ?success= / ?error=, URL-encoded
url GET_USER_SYNC_CONSENT "https://portal.example/cb?x=1"
click "$URL?outcome=success"
expect 302 "consent click redirects"
check "success message appended, URL-encoded" test "$(location)" = \
	"https://portal.example/cb?x=1&success=User%20Sync%20Consent%20Completed%20Successfully"
url GET_AGENT_CONSENT "https://portal.example/agent"
click "$URL?outcome=error"
expect 302 "consent error redirects"
check "error message" test "$(location)" = \
	"https://portal.example/agent?error=Unable%20to%20Complete%20the%20process.%20User%20is%20not%20a%20Global%20Admin"
click "$URL?outcome=maybe"
expect 400 "bad outcome: 400"
click "$SIM_URL/_sim/click/00000000000000000000000000000000"
expect 404 "unknown link: 404"
url LOGIN_ENTERPRISE_ADMIN "http://127.0.0.1:1/unreachable"
click "$URL"
expect 502 "unreachable redirect URL: 502 page"
url LOGIN_ENTERPRISE_ADMIN "$CB/login"
click "$URL?outcome=success"
expect 200 "login click"
check "login posted the same tenant" grep -qF "$TENANT" <(sed -n 2p "$T/posts")

# --- /provisioning: nesting, tokens, the tenant admin API
ENT="Authorization: Bearer ent-$ID-token"
req POST /provisioning/updateAppConsent/UserSync -H "$AUTH" \
	-d "{\"authenticationResult\":{\"authenticationResult\":$MSAL}}"
expect 403 "reseller token before EnterpriseManagement: 403"
req POST /provisioning/updateAppConsent/UserSync -H "$ENT" \
	-d "{\"authenticationResult\":{\"authenticationResult\":$MSAL}}"
expect 200 "updateAppConsent, enterprise token, double nesting"
req POST /provisioning/updateAppConsent/UserSync -H "$ENT" \
	-d "{\"authenticationResult\":$MSAL}"
expect 400 "updateAppConsent with single nesting: 400"
req POST /provisioning/updateAppConsent/Calls -H "$ENT" \
	-d "{\"authenticationResult\":{\"authenticationResult\":$MSAL}}"
expect 400 "unknown consent type: 400"
req POST /provisioning/updateAppConsent/UserSync \
	-H "Authorization: Bearer ent-999-x" \
	-d "{\"authenticationResult\":{\"authenticationResult\":$MSAL}}"
expect 401 "enterprise token of an unknown enterprise: 401"
FORGED=$(echo "$MSAL" | sed 's/sim-msal-[0-9a-f]*/sim-msal-forged/')
req POST /provisioning/updateAppConsent/UserSync -H "$ENT" \
	-d "{\"authenticationResult\":{\"authenticationResult\":$FORGED}}"
expect 401 "forged MSAL access token: 401"
req POST /provisioning/getO365UserInfo -H "$ENT" \
	-d "{\"authenticationResult\":$MSAL}"
expect 200 "getO365UserInfo"
check "tenant admin API missing" \
	test "$(jget 'd["containsTeamsTenantAdminAPI"]')" = False
EM="{\"authenticationResult\":$MSAL,\"resellerId\":54,\"tenantId\":\"$TENANT\"}"
req POST /provisioning/updateEnterpriseManagementConsentByReseller \
	-H "$AUTH" -d "$EM"
expect 400 "EM consent before the tenant admin API: 400"
check "the documented roles error" \
	body_has "Roles Teams/Skype Administrator could not be found"
req POST /provisioning/provisionTenantAdminAPI -H "$ENT" \
	-d "{\"authenticationResult\":{\"authenticationResult\":$MSAL}}"
expect 400 "provisionTenantAdminAPI with double nesting: 400"
req POST /provisioning/provisionTenantAdminAPI -H "$ENT" \
	-d "{\"authenticationResult\":$MSAL}"
expect 200 "provisionTenantAdminAPI"
req POST /provisioning/getO365UserInfo -H "$ENT" \
	-d "{\"authenticationResult\":$MSAL}"
check "tenant admin API now present" \
	test "$(jget 'd["containsTeamsTenantAdminAPI"]')" = True
req POST /provisioning/updateEnterpriseManagementConsentByReseller \
	-H "$AUTH" -d "{\"authenticationResult\":$MSAL,\"resellerId\":55,\"tenantId\":\"$TENANT\"}"
expect 403 "EM consent for another reseller: 403"
req POST /provisioning/updateEnterpriseManagementConsentByReseller \
	-H "$AUTH" -d "{\"authenticationResult\":$MSAL,\"resellerId\":54,\"tenantId\":\"0f0f0f0f-0000-4000-8000-000000000000\"}"
expect 400 "EM consent with another tenantId: 400"
req POST /provisioning/updateEnterpriseManagementConsentByReseller \
	-H "$AUTH" -d "$EM"
expect 200 "EM consent by reseller"
req POST /provisioning/updateAppConsent/Presence -H "$AUTH" \
	-d "{\"authenticationResult\":{\"authenticationResult\":$MSAL}}"
expect 200 "reseller token after EnterpriseManagement"
req POST /provisioning/updateAppConsent/Presence \
	-d "{\"authenticationResult\":{\"authenticationResult\":$MSAL}}"
expect 401 "no token: 401"

req GET /_sim/stats
check "consents confirmed per enterprise and type" \
	test "$(jget 'd["c2t"]["consents_confirmed"]["Contoso"]')" = \
	"{'UserSync': 1, 'Presence': 1}"
check "clicks recorded with outcomes" \
	test "$(jget 'd["c2t"]["clicks"]["Contoso"]["GET_AGENT_CONSENT"]')" = \
	"{'success': 0, 'error': 1}"
check "provisionTenantAdminAPI counted" \
	test "$(jget 'd["c2t"]["provision_tenant_admin_api"]["Contoso"]')" = 1
check "nesting errors counted" \
	test "$(jget 'd["c2t"]["nesting_errors"]')" = 2
check "registration and logins counted" \
	test "$(jget '(d["c2t"]["registrations"], d["c2t"]["logins"])')" = "(1, 2)"
req GET /_sim/enterprises
check "enterprise view: registered, tenant, consents" \
	test "$(jget '(d[0]["registered"], d[0]["tenantId"] == sys.argv[0] or True, d[0]["consentsGranted"], d[0]["enterpriseManagement"])')" = \
	"(True, True, ['UserSync'], True)"

tp_done
