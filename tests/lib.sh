# tests/lib.sh: helpers for the integration scripts (sourced).
#
# Each script gets a private temporary directory $T (removed on exit, with
# any simulator it started), prints TAP lines through ok/not_ok/check, and
# exits non-zero when any check failed.
set -eu
: "${TP_ROOT:?run through tests/run}"
T=$(mktemp -d "${TMPDIR:-/tmp}/tp-int.XXXXXX")
TP_FAILED=0
TP_N=0
SIM_PID=
SIM_ADDR=
SIM_URL=

tp_cleanup() {
	if [ -n "$SIM_PID" ]; then
		kill "$SIM_PID" 2>/dev/null || true
		wait "$SIM_PID" 2>/dev/null || true
	fi
	rm -rf "$T"
}
trap tp_cleanup EXIT

ok() { TP_N=$((TP_N + 1)); echo "ok $TP_N - $*"; }
# skip DESC: a check that cannot be made here (TAP "# SKIP").
skip() { TP_N=$((TP_N + 1)); echo "ok $TP_N - # SKIP $*"; }
not_ok() {
	TP_N=$((TP_N + 1))
	echo "not ok $TP_N - $*"
	TP_FAILED=1
}

# check DESC COMMAND...: one TAP line for whether COMMAND succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# tp ARGS...: runs teamsprov (under valgrind when TP_WRAP says so) with
# stdout in $T/out, stderr in $T/err and the status in $RC.
tp() {
	set +e
	# shellcheck disable=SC2086
	$TP_WRAP "$TEAMSPROV" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	set -e
}

# expect_rc CODE DESC: checks the status of the last tp call.
expect_rc() {
	if [ "$RC" -eq "$1" ]; then
		ok "$2"
	else
		not_ok "$2 (exit $RC, wanted $1)"
		sed 's/^/# stderr: /' "$T/err" | head -n 20
	fi
}

# contains FILE TEXT: FILE holds TEXT as a fixed string.
contains() { grep -qF -- "$2" "$1"; }

# sim_start ARGS...: starts teamsprov-sim on a free loopback port and waits
# for its "listening on ADDR:PORT" line (no fixed sleeps). Sets SIM_ADDR,
# SIM_URL and SIM_PID.
sim_start() {
	local line
	mkfifo "$T/sim.fifo"
	# shellcheck disable=SC2086
	$TP_WRAP "$TEAMSPROV_SIM" --listen 127.0.0.1:0 "$@" \
		>"$T/sim.fifo" 2>"$T/sim.err" &
	SIM_PID=$!
	exec 9<"$T/sim.fifo"
	if ! IFS= read -r line <&9; then
		echo "# simulator did not start:" >&2
		cat "$T/sim.err" >&2
		return 1
	fi
	cat <&9 >"$T/sim.out" &
	SIM_ADDR=${line#listening on }
	SIM_URL=http://$SIM_ADDR
}

# sim_stats: prints the simulator's /_sim/stats JSON.
sim_stats() { curl -sS "$SIM_URL/_sim/stats"; }

# sim_stat EXPR: prints the Python expression EXPR evaluated with s bound
# to the simulator's stats (e.g. sim_stat 's["requests_total"]').
sim_stat() {
	sim_stats | python3 -c 'import json, sys
s = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}

# HTTP helpers for scripts that talk to the simulator with curl.
# req METHOD PATH [CURL ARGS...]: status in $ST (000: no answer), body in
# $T/body, headers in $T/hdr, curl's complaints in $T/curl.err.
req() {
	local m=$1 p=$2
	shift 2
	ST=$(curl -sS -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" \
		"$@" "$SIM_URL$p" 2>"$T/curl.err") || ST=000
}
# expect STATUS DESC: one TAP line for the status of the last req.
expect() {
	if [ "$ST" = "$1" ]; then
		ok "$2"
	else
		not_ok "$2 (HTTP $ST, wanted $1)"
		sed 's/^/# body: /' "$T/body" | head -n 5
	fi
}
# jget EXPR: EXPR evaluated with d bound to the last body's JSON.
jget() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$T/body" "$1"
}
# body_has TEXT: the last body holds TEXT.
body_has() { grep -qF -- "$1" "$T/body"; }

# sim_restart ARGS...: stops the simulator and starts it again with ARGS.
sim_restart() {
	kill "$SIM_PID"
	wait "$SIM_PID" 2>/dev/null || true
	exec 9<&-
	rm -f "$T/sim.fifo"
	sim_start "$@"
}

tp_done() {
	echo "1..$TP_N"
	exit "$TP_FAILED"
}
