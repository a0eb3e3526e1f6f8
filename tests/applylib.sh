# tests/applylib.sh: helpers for the apply_*.sh integration scripts
# (sourced after tests/lib.sh; not a test itself, so it lives outside
# tests/integration/).
#
# gen_manifest DIR N [SERVICES]: writes a manifest of N enterprises named
#   "Gen Corp 0001"..., each with SERVICES (default Trunk) on the US-East
#   gateway, pinned tables matching the simulator's built-in lists, and a
#   teamsprov.conf pointing at the simulator (TEAMSPROV_C2T_BASE_URL).
# apply_env: exports the simulator URL, a fast tool rate and the secrets.
# q SQL: one value from the journal $DB.
# sim_stat EXPR: as in lib.sh, without the site start-up (the scripts
#   call it often).
# ids_match: the journal's (name, id) pairs equal the simulator's.
# work_now: creates + action URL requests the simulator answered so far,
#   without a Python start-up, to poll often.
# await COND...: re-runs the shell command COND every 10 ms until it
#   succeeds (up to 30 s); returns 1 on time-out.

gen_manifest() {
	local dir=$1 n=$2 svc=${3:-Trunk}
	mkdir -p "$dir"
	awk -v n="$n" -v svc="$svc" 'BEGIN {
		print "name,country,user_limit,services,sbc,pbx,consents"
		for (i = 1; i <= n; i++)
			printf "Gen Corp %04d,Belgium,10,%s,US-East,,\n", i, svc
	}' >"$dir/enterprises.csv"
	printf 'region,id\nUS-East,5678\nUS-West,5679\n' >"$dir/sbc_gateways.csv"
	printf 'name,id\nExample PBX,1234\n' >"$dir/pbx_types.csv"
	cat >"$dir/teamsprov.conf" <<-'EOF'
		[c2t]
		base_url = http://127.0.0.1:1
		client_id = sim-client
		client_secret_env = C2T_CLIENT_SECRET
		username = sim-user
		password_env = C2T_PASSWORD
		callback_base = http://127.0.0.1:8402/teamsprov
		rate = 1000/s
		burst = 20

		[run]
		timeout = 10s
		connect_timeout = 2s
		backoff_base = 10ms
		backoff_cap = 200ms
	EOF
}

apply_env() {
	export TEAMSPROV_C2T_BASE_URL=$SIM_URL TEAMSPROV_C2T_RATE=2000/s \
		C2T_CLIENT_SECRET=sim-secret C2T_PASSWORD=sim-pass
}

q() {
	python3 -S -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' \
		"$DB" "$1"
}

sim_stat() {
	sim_stats | python3 -S -c 'import json, sys
s = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}

ids_match() {
	curl -sS "$SIM_URL/_sim/enterprises" | python3 -S -c 'import json, sys
for e in json.load(sys.stdin): print(e["enterpriseName"].lower(), e["enterpriseId"])' |
		sort >"$T/sim.ids"
	python3 -S -c 'import sqlite3, sys
for k, i in sqlite3.connect(sys.argv[1]).execute(
    "select key, enterprise_id from enterprises"): print(k, i)' "$DB" |
		sort >"$T/journal.ids"
	cmp -s "$T/sim.ids" "$T/journal.ids"
}

work_now() {
	curl -sS "$SIM_URL/_sim/stats" |
		grep -oE '"c2t\.(newEnterprise|getActionItemUrl)":[[:space:]]*[0-9]+' |
		awk -F: '{ n += $2 } END { print n + 0 }'
}

await() {
	local i=0
	until eval "$1"; do
		i=$((i + 1))
		[ "$i" -lt 3000 ] || return 1
		sleep 0.01
	done
}
