#!/bin/bash
# bench/sim_throughput.sh: teamsprov-sim's two performance goals, each the
# median of three wrk runs, with PASS/FAIL:
#   1. no latency, no faults: >= 10,000 requests/s over 16 keep-alive
#      connections on a mix of GET routes of the three APIs;
#   2. --latency 50: 1,000 concurrent connections served (every one has a
#      request in flight at once, no socket errors) by a handful of threads
#      (the delayed answers hold no thread).
# Needs wrk, curl and python3. TP_BUILD names the build directory.
set -eu
cd "$(dirname "$0")/.."
B=${TP_BUILD:-build}
SIM=$B/teamsprov-sim
DUR=${BENCH_SECONDS:-5}
T=$(mktemp -d "${TMPDIR:-/tmp}/tp-bench.XXXXXX")
SIM_PID=
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
for tool in wrk curl python3; do
	command -v $tool >/dev/null || { echo "sim_throughput: $tool missing" >&2; exit 1; }
done
[ -x "$SIM" ] || { echo "sim_throughput: build $SIM first" >&2; exit 1; }

start() {
	local line
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	"$SIM" --listen 127.0.0.1:0 "$@" >"$T/fifo" 2>"$T/sim.err" &
	SIM_PID=$!
	exec 9<"$T/fifo"
	read -r line <&9
	exec 9<&-
	URL=http://${line#listening on }
}
stop() {
	kill "$SIM_PID"
	wait "$SIM_PID" || true
	SIM_PID=
}
json() { python3 -c 'import json,sys; print(eval(sys.argv[1], {"d": json.load(sys.stdin)}))' "$1"; }
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$1" | cut -d. -f1; }

tokens() {
	C2T=$(curl -sS -u sim-client:sim-secret -d grant_type=password \
		-d username=sim-user -d password=sim-pass "$URL/oauth/token" |
		json 'd["access_token"]')
	FUS=$(curl -sS -d '{"username":"sim-fusion","password":"sim-pass"}' \
		"$URL/api/v01/auth/login" | json 'd["access_token"]')
}

# --- 1: throughput over keep-alive, mixed GET routes
start --acs-token bench-token
tokens
F=/api/v01/draas/draas_v1/tenants/27b418d0-b197-483d-a0b8-da90407a92c4/subscriptions/7/msteams
A=/access/teamsExtension/tenants/87d349ed-44d7-43e1-9a83-5f2406dee5bd/assignments/e5b7f628-ea94-4fdc-b3d9-1af1fe231111?api-version=2025-06-30
curl -sS -o /dev/null -X PUT -H "Authorization: Bearer bench-token" \
	-d '{"principalType":"teamsResourceAccount"}' "$URL$A"
cat >"$T/mix.lua" <<EOF
local reqs, i = {}, 0
init = function(args)
  local c = { Authorization = "Bearer $C2T" }
  local f = { Authorization = "Bearer $FUS" }
  local a = { Authorization = "Bearer bench-token" }
  reqs[1] = wrk.format("GET", "/reseller/getAvailableSBCGatewayRegionsByResellerId/54", c)
  reqs[2] = wrk.format("GET", "/pbx/getPBXTypesByResellerId?resellerId=54", c)
  reqs[3] = wrk.format("GET", "/reseller/v3/getEnterprisesForReseller?resellerId=54", c)
  reqs[4] = wrk.format("GET", "$F/status", f)
  reqs[5] = wrk.format("GET", "$F/wizard", f)
  reqs[6] = wrk.format("GET", "$A", a)
end
request = function()
  i = i + 1
  return reqs[(i % 6) + 1]
end
EOF
r=()
for n in 1 2 3; do
	wrk -t 2 -c 16 -d "${DUR}s" -s "$T/mix.lua" "$URL" >"$T/wrk1.$n" 2>&1
	r+=("$(rps "$T/wrk1.$n")")
done
m1=$(median "${r[@]}")
stop
verdict1=FAIL
[ "$m1" -ge 10000 ] && verdict1=PASS
echo "sim_throughput: keep-alive, 16 connections, 6 mixed GET routes:" \
	"${r[*]} req/s, median $m1 (goal >= 10000) $verdict1"

# --- 2: --latency 50 with 1,000 concurrent connections
start --latency 50
tokens
cat >"$T/one.lua" <<EOF
wrk.headers["Authorization"] = "Bearer $C2T"
EOF
r=()
p50=()
maxtasks=0
errors=0
for n in 1 2 3; do
	wrk -t 2 -c 1000 -d "${DUR}s" --latency -s "$T/one.lua" \
		"$URL/reseller/getAvailableSBCGatewayRegionsByResellerId/54" \
		>"$T/wrk2.$n" 2>&1 &
	wpid=$!
	while kill -0 "$wpid" 2>/dev/null; do
		t=$(ls "/proc/$SIM_PID/task" | wc -l)
		[ "$t" -gt "$maxtasks" ] && maxtasks=$t
		python3 -c 'import time; time.sleep(0.5)'
	done
	wait "$wpid"
	r+=("$(rps "$T/wrk2.$n")")
	p50+=("$(sed -n 's/^ *50% *//p' "$T/wrk2.$n")")
	if grep -q 'Socket errors' "$T/wrk2.$n"; then
		errors=$((errors + 1))
		grep 'Socket errors' "$T/wrk2.$n" | sed 's/^/sim_throughput:   /'
	fi
done
inflight=$(curl -sS "$URL/_sim/stats" | json 'd["in_flight"]["max"]')
m2=$(median "${r[@]}")
stop
verdict2=FAIL
[ "$inflight" -ge 1000 ] && [ "$errors" -eq 0 ] && [ "$maxtasks" -le 16 ] &&
	verdict2=PASS
echo "sim_throughput: --latency 50, 1000 connections: ${r[*]} req/s," \
	"median $m2; p50 latency ${p50[*]}; max in flight $inflight;" \
	"max threads $maxtasks; runs with socket errors $errors $verdict2"
[ "$verdict1" = PASS ] && [ "$verdict2" = PASS ]
