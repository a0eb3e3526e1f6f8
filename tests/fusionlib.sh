# tests/fusionlib.sh: helpers for the fusion_*.sh integration scripts
# (sourced after tests/lib.sh and tests/applylib.sh).
#
# gen_fusion DIR N [LINKS]: a manifest of one enterprise and N fusion.csv
#   onboarding rows (tenant $TEN, subscriptions 1..N, secret env:APP_SECRET),
#   plus LINKS link rows (subscriptions 1001.. linking to 1, 2, ...), and a
#   teamsprov.conf with both [c2t] and a fast [fusion] poll schedule.
# fusion_env: apply_env plus the Fusion URL and password.
# fstat EXPR: the simulator's stats, with f bound to stats["fusion"] and
#   subs to its list of subscriptions.
TEN=27b418d0-b197-483d-a0b8-da90407a92c4
APPID=c035894c-81c3-49aa-8e3e-f245d9b3b846
MSTEN=11111111-b197-483d-a0b8-da90407a92c4

gen_fusion() {
	local dir=$1 n=$2 links=${3:-0}
	gen_manifest "$dir" 1
	awk -v n="$n" -v l="$links" -v t="$TEN" -v a="$APPID" -v m="$MSTEN" 'BEGIN {
		print "tenant,subscription,ms_tenant_id,application_id,secret,link_subscription,enterprise"
		for (i = 1; i <= n; i++)
			printf "%s,%d,%s,%s,env:APP_SECRET,,Gen Corp 0001\n", t, i, m, a
		for (i = 1; i <= l; i++)
			printf "%s,%d,,,,%d,Gen Corp 0001\n", t, 1000 + i, i
	}' >"$dir/fusion.csv"
	cat >>"$dir/teamsprov.conf" <<-'EOF2'

		[fusion]
		base_url = http://127.0.0.1:1
		draas_instance = draas_v1
		username = sim-fusion
		password_env = FUSION_PASSWORD
		rate = 0
		poll_first = 200ms
		poll_factor = 1.5
		poll_max = 500ms
		init_grace = 20s
	EOF2
}

fusion_env() {
	apply_env
	export TEAMSPROV_FUSION_BASE_URL=$SIM_URL FUSION_PASSWORD=sim-pass \
		APP_SECRET=app-secret-1
}

fstat() {
	sim_stats | python3 -S -c 'import json, sys
s = json.load(sys.stdin)
f = s["fusion"]
subs = f["subscriptions"]
print(eval(sys.argv[1]))' "$1"
}
