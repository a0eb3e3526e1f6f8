#!/bin/bash
# sim_faults: fault injection and limits: 503 without Retry-After, dropped
# connections, lost responses whose change is committed, the server-side
# token bucket (429 + Retry-After: 1), exempt routes, latency, body cap,
# and the seeded generator's repeatability.
. "$TP_ROOT/tests/lib.sh"

login() {
	req POST /oauth/token -u sim-client:sim-secret -d grant_type=password \
		-d username=sim-user -d password=sim-pass
	AUTH="Authorization: Bearer $(jget 'd["access_token"]')"
}
SBC=/reseller/getAvailableSBCGatewayRegionsByResellerId/54
NEW='{"enterpriseName":"Lost Co","services":[],"sbcGateways":[],"pbxId":[]}'

# --- 503
sim_start --fail-rate 1
login
check "token endpoint never faulted" test -n "$AUTH"
req GET "$SBC" -H "$AUTH"
expect 503 "fail-rate 1: 503"
check "503 without Retry-After" sh -c "! grep -qi '^Retry-After' '$T/hdr'"
req POST /api/v01/auth/login -d '{"username":"sim-fusion","password":"sim-pass"}'
expect 200 "Fusion login never faulted"
req GET /_sim/stats
expect 200 "/_sim never faulted"
check "fail faults counted" test "$(jget 'd["faults"]["fail"]')" = 1

# --- reset: closed unanswered, nothing done
sim_restart --reset-rate 1
login
req POST /reseller/newEnterprise -H "$AUTH" -d "$NEW"
check "reset-rate 1: no answer at all" test "$ST" = 000
check "curl saw an empty reply" grep -q 'Empty reply' "$T/curl.err"
req GET /_sim/enterprises
check "a reset request changes nothing" test "$(jget 'len(d)')" = 0

# --- lost response: committed, then closed unanswered
sim_restart --lost-response-rate 1
login
req POST /reseller/newEnterprise -H "$AUTH" -H 'Idempotency-Key: k1' -d "$NEW"
check "lost response: no answer" test "$ST" = 000
req GET /_sim/enterprises
check "the lost create was committed" \
	test "$(jget '[e["enterpriseName"] for e in d]')" = "['Lost Co']"
req POST /reseller/newEnterprise -H "$AUTH" -H 'Idempotency-Key: k1' -d "$NEW"
req GET /_sim/stats
check "the retry was refused as a duplicate" \
	test "$(jget '(d["c2t"]["create_attempts"]["Lost Co"], d["c2t"]["duplicate_refusals"], d["faults"]["lost_response"])')" = "(2, 1, 2)"

# --- lost response after a delay: committed, then no answer
sim_restart --lost-response-rate 1 --latency 100
login
req POST /reseller/newEnterprise -H "$AUTH" -d "$NEW"
check "delayed lost response: no answer" test "$ST" = 000
req GET /_sim/enterprises
check "the delayed lost create was committed" test "$(jget 'len(d)')" = 1

# --- the token bucket
sim_restart --rate-limit 0.5/s
login
req GET "$SBC" -H "$AUTH"
expect 200 "first request within the bucket"
req GET "$SBC" -H "$AUTH"
expect 429 "bucket of depth 1 empty: 429"
check "Retry-After: 1" grep -qi '^Retry-After: 1' "$T/hdr"
req GET "/pbx/getPBXTypesByResellerId?resellerId=54" -H "$AUTH"
expect 429 "the bucket is per API, shared by its routes"
req POST /api/v01/auth/login -d '{"username":"sim-fusion","password":"sim-pass"}'
FA="Authorization: Bearer $(jget 'd["access_token"]')"
req GET /api/v01/draas/draas_v1/tenants/27b418d0-b197-483d-a0b8-da90407a92c4/subscriptions/1/msteams/status -H "$FA"
expect 200 "Fusion has its own bucket"
for _ in 1 2 3 4 5; do login; done
check "token endpoint never limited" test "$ST" = 200
for _ in $(seq 1 100); do
	req GET "$SBC" -H "$AUTH"
	[ "$ST" = 200 ] && break
	python3 -c 'import time; time.sleep(0.05)'
done
expect 200 "a token again after a while"
req GET /_sim/stats
check "429s counted per API" test "$(jget 'd["rate_limited"]["c2t"] >= 2')" = True

# --- latency, not applied to /_sim
sim_restart --latency 2000:50
login
t0=$(date +%s%N)
req GET "$SBC" -H "$AUTH"
t1=$(date +%s%N)
expect 200 "delayed answer"
check "latency at least 2000 ms" test $(((t1 - t0) / 1000000)) -ge 2000
t0=$(date +%s%N)
req GET /_sim/stats
t1=$(date +%s%N)
check "/_sim answers without the latency" test $(((t1 - t0) / 1000000)) -lt 1500

# --- body cap
head -c 1100000 /dev/zero | tr '\0' a >"$T/big"
req POST /reseller/newEnterprise -H "$AUTH" --data-binary @"$T/big"
expect 413 "a body above 1 MiB: 413"
req POST /reseller/newEnterprise -H "$AUTH" -H 'Transfer-Encoding: chunked' \
	--data-binary @"$T/big"
expect 413 "a chunked body above 1 MiB: 413"
req GET /_sim/stats
check "too large bodies counted" test "$(jget 'd["faults"]["too_large"]')" = 2

# --- one seeded generator, in arrival order
sequence() {
	local out= i
	login
	for i in $(seq 1 24); do
		req GET "$SBC" -H "$AUTH"
		out="$out$ST "
	done
	echo "$out"
}
sim_restart --fail-rate 0.5 --seed 42
A=$(sequence)
sim_restart --fail-rate 0.5 --seed 42
B=$(sequence)
sim_restart --fail-rate 0.5 --seed 43
C=$(sequence)
check "same seed, same faults" test "$A" = "$B"
check "both outcomes drawn" sh -c "echo '$A' | grep -q 200 && echo '$A' | grep -q 503"
check "another seed, other faults" test "$A" != "$C"
tp_done
