#!/bin/bash
# Integration: the consent loop closes in the reports. Once the admin has
# registered and granted every consent through the receiver, report
# --fail-on-pending exits 0 instead of 3, pending_consents.csv is empty,
# and plan and urls re-issue nothing that was granted.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"

CB_PID=
trap '[ -n "$CB_PID" ] && kill "$CB_PID" 2>/dev/null; tp_cleanup' EXIT

mkdir "$T/m"
cat >"$T/m/enterprises.csv" <<'CSV'
name,services,sbc,pbx,consents
Solo One,SMS,,,none
CSV
sim_start
CBPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export TEAMSPROV_C2T_BASE_URL=$SIM_URL TEAMSPROV_C2T_RATE=1000/s \
	C2T_CLIENT_SECRET=sim-secret C2T_PASSWORD=sim-pass
cat >"$T/m/teamsprov.conf" <<CONF
[c2t]
client_id = sim-client
client_secret_env = C2T_CLIENT_SECRET
username = sim-user
password_env = C2T_PASSWORD
callback_base = http://127.0.0.1:$CBPORT/teamsprov
CONF
db() {
	python3 -c 'import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in r))' \
		"$T/m/teamsprov.db" "$1"
}
urls_sent() { sim_stat 'sum(sum(v.values()) for v in s["c2t"]["action_urls"].values())'; }

tp -q -m "$T/m" apply
expect_rc 0 "apply issues the URLs"
tp -q -m "$T/m" report --out "$T/r1" --fail-on-pending
expect_rc 3 "report --fail-on-pending: 3 while consents are pending"
check "they are listed" test "$(grep -c '^Solo One,' "$T/r1/pending_consents.csv")" -ge 2

$TP_WRAP "$TEAMSPROV" -m "$T/m" callback --listen "127.0.0.1:$CBPORT" \
	>"$T/cb.out" 2>"$T/cb.err" &
CB_PID=$!
check "the receiver listens" await \
	"curl -s -o /dev/null http://127.0.0.1:$CBPORT/"
# The admin answers every link: registration first, then each consent.
db "select url from actions where url is not null and action <>
	'LOGIN_ENTERPRISE_ADMIN' order by action <> 'REGISTRATION', action" |
	while read -r u; do
		curl -sS -L -o /dev/null "$u?outcome=success"
	done
n=$(db "select count(*) from actions where action <> 'LOGIN_ENTERPRISE_ADMIN'")
check "every answer is journaled as granted or confirmed" await \
	"[ \"\$(db \"select count(*) from actions where action <>
		'LOGIN_ENTERPRISE_ADMIN' and status in (2, 4)\")\" = $n ]"
kill -TERM "$CB_PID"
wait "$CB_PID" 2>/dev/null
check "the receiver stops with 0" test $? = 0
CB_PID=

tp -q -m "$T/m" report --out "$T/r2" --fail-on-pending
expect_rc 0 "report --fail-on-pending: 0 once everything is granted"
check "pending_consents.csv has its header only" \
	test "$(grep -c . "$T/r2/pending_consents.csv")" = 1
before=$(urls_sent)
tp -m "$T/m" plan
expect_rc 0 "plan: nothing to do"
tp -q -m "$T/m" urls
check "urls re-issues nothing granted" test "$(urls_sent)" = "$before"
tp_done
