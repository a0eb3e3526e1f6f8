# tests/acs-lib.sh: helpers for the ACS integration scripts (sourced after
# tests/lib.sh and sim_start).
#
# acs_manifest DIR: an empty enterprises.csv and a teamsprov.conf that
# points C2T and ACS at the simulator (ACS signed with the simulator's
# default key through $ACS_CONNECTION_STRING), with fast retries.
acs_manifest() {
	mkdir -p "$1"
	head -n 1 "$TP_ROOT/samples/enterprises.csv" >"$1/enterprises.csv"
	cat >"$1/teamsprov.conf" <<CONF
[c2t]
base_url = $SIM_URL
client_id = sim-client
client_secret_env = C2T_CLIENT_SECRET
username = sim-user
password_env = C2T_PASSWORD
callback_base = http://127.0.0.1:1/cb
[acs]
connection_string_env = ACS_CONNECTION_STRING
rate = 0
[run]
backoff_base = 5ms
backoff_cap = 50ms
CONF
	export C2T_CLIENT_SECRET=sim-secret C2T_PASSWORD=sim-pass
	export ACS_CONNECTION_STRING="endpoint=$SIM_URL/;accesskey=c2ltLWFjcy1rZXk="
}

# acs_rows N TYPE STATE: N acs.csv rows (no header) of random GUIDs;
# users get two client ids.
acs_rows() {
	python3 - "$@" <<'PY'
import sys, uuid
n, t, st = int(sys.argv[1]), sys.argv[2], sys.argv[3]
for _ in range(n):
    ids = ";".join(str(uuid.uuid4()) for _ in range(2)) if t == "user" else ""
    print(f"{uuid.uuid4()},{uuid.uuid4()},{t},{ids},{st}")
PY
}

ACS_HEAD=tenant_id,object_id,principal_type,client_ids,state

# acs_count EXPR: the simulator's ACS counter (put, get, delete,
# assignments).
acs_count() { sim_stat "s[\"acs\"][\"$1\"]"; }

# jq_db SQL: one value from the state file $T/m/teamsprov.db.
jq_db() {
	python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' \
		"$T/m/teamsprov.db" "$1"
}
