#!/bin/bash
# sim_acs: teamsprov-sim's ACS assignment routes with requests signed by an
# independent HMAC-SHA256 implementation (Python's hmac): PUT 201/200, GET
# 200/404, DELETE 204; refused signatures (key, body, date, path) 401;
# api-version and body validation 400; the Entra bearer; the back door.
. "$TP_ROOT/tests/lib.sh"


# sign METHOD PATHQ BODY [SKEW_S [KEY [SIGNED_PATHQ]]]: x-ms-date,
# content hash and Authorization, one per line.
sign() {
	python3 - "$@" <<'PY'
import base64, email.utils, hashlib, hmac, sys, time
a = sys.argv[1:] + [None] * 6
method, pq, body = a[0], a[1], a[2].encode()
skew = float(a[3] or 0)
key = base64.b64decode(a[4] or "c2ltLWFjcy1rZXk=")
spq = a[5] or pq
host = __import__("os").environ["HOSTPORT"]
date = email.utils.formatdate(time.time() + skew, usegmt=True)
h = base64.b64encode(hashlib.sha256(body).digest()).decode()
sts = "%s\n%s\n%s;%s;%s" % (method, spq, date, host, h)
sig = base64.b64encode(hmac.new(key, sts.encode(), hashlib.sha256).digest()).decode()
print(date)
print(h)
print("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" + sig)
PY
}

# acs METHOD PATHQ BODY [SIGN ARGS...]: a signed request; $ST, $T/body.
acs() {
	local m=$1 pq=$2 body=$3 d h a
	shift 3
	{ read -r d; read -r h; read -r a; } < <(sign "$m" "$pq" "$body" "$@")
	ST=$(curl -sS -o "$T/body" -w '%{http_code}' -X "$m" \
		-H "x-ms-date: $d" -H "x-ms-content-sha256: $h" \
		-H "Authorization: $a" -H 'Content-Type: application/json' \
		${body:+--data-binary "$body"} "$SIM_URL$pq") || ST=000
}

sim_start --acs-token entra-token
export HOSTPORT=$SIM_ADDR
TEN=87d349ed-44d7-43e1-9a83-5f2406dee5bd
OBJ=e5b7f628-ea94-4fdc-b3d9-1af1fe231111
P="/access/teamsExtension/tenants/$TEN/assignments/$OBJ?api-version=2025-06-30"
USER_BODY='{"principalType":"user","clientIds":["1bfa671a-dc6b-47f3-8940-45c0f1af0fa6"]}'

acs GET "$P" ""
expect 404 "GET before any PUT: 404"
check "error object with code" test "$(jget 'd["error"]["code"]')" = NotFound
acs PUT "$P" "$USER_BODY"
expect 201 "PUT creates: 201"
check "PUT answers the assignment" \
	test "$(jget '(d["objectId"], d["tenantId"], d["principalType"], d["clientIds"])')" = \
	"('$OBJ', '$TEN', 'user', ['1bfa671a-dc6b-47f3-8940-45c0f1af0fa6'])"
acs PUT "$P" "$USER_BODY"
expect 200 "PUT again updates: 200"
UP="/access/teamsExtension/tenants/${TEN^^}/assignments/${OBJ^^}?api-version=2025-06-30"
acs GET "$UP" ""
expect 200 "GET with upper-case GUIDs finds it"
acs GET "$P" "" 0 "c2ltLWFjcy1rZXk=" "/access/other"
expect 401 "signature over another path: 401"
check "denied error object" test "$(jget 'd["error"]["code"]')" = Denied
acs GET "$P" "" 0 "b3RoZXIta2V5"
expect 401 "signature with another key: 401"
acs GET "$P" "" -1000
expect 401 "x-ms-date 16 minutes old: 401"
check "says why" body_has "15 minutes"
acs GET "$P" "" -600
expect 200 "x-ms-date 10 minutes old: accepted"
{ read -r D; read -r H; read -r AU; } < <(sign PUT "$P" "$USER_BODY")
ST=$(curl -sS -o "$T/body" -w '%{http_code}' -X PUT -H "x-ms-date: $D" \
	-H "x-ms-content-sha256: $H" -H "Authorization: $AU" \
	--data-binary '{"principalType":"user","clientIds":[]}' "$SIM_URL$P")
expect 401 "body changed after signing: 401"
ST=$(curl -sS -o "$T/body" -w '%{http_code}' "$SIM_URL$P")
expect 401 "unsigned request: 401"
acs GET "/access/teamsExtension/tenants/$TEN/assignments/$OBJ?api-version=2024-01-01" ""
expect 400 "other api-version: 400"
acs GET "/access/teamsExtension/tenants/$TEN/assignments/$OBJ" ""
expect 400 "missing api-version: 400"
acs PUT "$P" '{"principalType":"user"}'
expect 400 "user without clientIds: 400"
acs PUT "$P" '{"principalType":"robot"}'
expect 400 "unknown principalType: 400"
acs PUT "$P" '{"principalType":"user","clientIds":["nope"]}'
expect 400 "clientIds not GUIDs: 400"
acs PUT "/access/teamsExtension/tenants/x/assignments/$OBJ?api-version=2025-06-30" \
	'{"principalType":"teamsResourceAccount"}'
expect 400 "tenant not a GUID: 400"
RA=/access/teamsExtension/tenants/$TEN/assignments/cc123456-5678-5678-1234-ccc123456789?api-version=2025-06-30
acs PUT "$RA" '{"principalType":"teamsResourceAccount"}'
expect 201 "resource account (reference spelling)"
acs PUT "$RA" '{"principalType":"resourceAccount"}'
expect 200 "resource account (OpenAPI spelling)"
acs DELETE "$P" ""
expect 204 "DELETE: 204"
acs GET "$P" ""
expect 404 "GET after DELETE: 404"
acs POST "$P" ""
expect 405 "POST: 405"

# --- the Entra ID bearer
ST=$(curl -sS -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer entra-token" "$SIM_URL$RA")
expect 200 "configured bearer accepted"
ST=$(curl -sS -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer other" "$SIM_URL$RA")
expect 401 "other bearer: 401"

# --- the back door changes an assignment behind the client's back
ST=$(curl -sS -o "$T/body" -w '%{http_code}' -X PUT \
	-d '{"principalType":"user","clientIds":["2bfa671a-dc6b-47f3-8940-45c0f1af0fa6"]}' \
	"$SIM_URL/_sim/acs/$TEN/cc123456-5678-5678-1234-ccc123456789")
expect 200 "back door PUT"
acs GET "$RA" ""
check "drift visible to a signed GET" test "$(jget 'd["principalType"]')" = user
ST=$(curl -sS -o "$T/body" -w '%{http_code}' -X DELETE \
	"$SIM_URL/_sim/acs/$TEN/cc123456-5678-5678-1234-ccc123456789")
expect 204 "back door DELETE"
ST=$(curl -sS -o "$T/body" -w '%{http_code}' "$SIM_URL/_sim/stats")
check "ACS counters" test "$(jget '(d["acs"]["assignments"], d["acs"]["delete"], d["unauthorized"]["acs"])')" = "(0, 1, 6)"
tp_done
