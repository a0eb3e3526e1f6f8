#!/bin/bash
# fusion_token: Fusion access tokens expiring every 3 s in the middle of
# many polls never fail a wizard (refresh with the refresh token, login
# again when that is refused), and polling thousands of timers needs no
# thread per wizard: the process never has more than workers + 4 threads
# (/proc/PID/task). Also: a refused login is 77; a two-factor login (the
# simulator's viewer cannot, so a wrong machine token stands in for the
# refusal of every request) and a machine-to-machine token work.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"
. "$TP_ROOT/tests/fusionlib.sh"

sim_start --wizard-duration 7 --init-delay 0.3 --token-ttl 3 --refresh-ttl 5 \
	--fusion-m2m m2m-secret-token
fusion_env
M=$T/m
DB=$M/teamsprov.db
gen_fusion "$M" 300
set +e
"$TEAMSPROV" -m "$M" -j 3 apply --no-progress >"$T/out" 2>"$T/err" &
APID=$!
set -e
max=0
while kill -0 "$APID" 2>/dev/null; do
	n=$(ls "/proc/$APID/task" 2>/dev/null | wc -l)
	[ "$n" -gt "$max" ] && max=$n
	sleep 0.05
done
wait "$APID" && RC=0 || RC=$?
sim_stats >"$T/stats.json"
echo "# unauthorized: $(sim_stat 's["unauthorized"]')" 
expect_rc 0 "300 wizards with 3 s tokens: exit 0"
check "all done" test "$(q "select count(*) from fusion_wizards where status=3")" -eq 300
check "threads stayed at most 3 workers + 4 (max $max)" test "$max" -le 7 -a "$max" -gt 1
check "tokens expired under the polls (401s seen)" \
	test "$(sim_stat 's["unauthorized"]["fusion"]')" -ge 1
check "re-authenticated several times" \
	test "$(sim_stat 's["requests"].get("fusion.login", 0) + s["requests"].get("fusion.access_token", 0)')" -ge 3
check "no request failed" test "$(q "select count(*) from fusion_wizards where message is not null")" -eq 0

# a machine-to-machine token instead of the login
rm -rf "$M"
gen_fusion "$M" 2
sed -i '/^username = sim-fusion/d; s/^password_env = FUSION_PASSWORD/token_env = FUSION_TOKEN/' "$M/teamsprov.conf"
FUSION_TOKEN=m2m-secret-token tp -m "$M" apply --no-progress
expect_rc 0 "machine-to-machine token"
check "the token is not in the output" sh -c "! grep -q m2m-secret-token '$T/out' '$T/err'"
FUSION_TOKEN=wrong-token tp -m "$M" apply --no-progress --restart-failed
expect_rc 0 "nothing to do with a wrong token: no request, exit 0"

# a refused login
rm -rf "$M"
gen_fusion "$M" 2
FUSION_PASSWORD=bad tp -m "$M" apply --no-progress
expect_rc 77 "refused Fusion login: exit 77"
check "the reason names the login" grep -qi "fusion" "$T/out" "$T/err"
check "the password is not shown" sh -c "! grep -q 'sim-pass' '$T/out' '$T/err'"
tp_done
