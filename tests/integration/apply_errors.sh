# Integration: the exit status of apply when it cannot start. Invalid
# manifests and configuration exit 65 before any request; a name that is
# not in the live list exits 65 before any create; refused credentials
# exit 77; an API nobody listens on exits 69.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"

gen_manifest "$T/m" 5
sim_start
apply_env
api_requests='sum(v for k, v in s["requests"].items() if not k.startswith("sim."))'
creates='s["requests"].get("c2t.newEnterprise", 0)'

# A broken manifest: an unknown service.
cp -r "$T/m" "$T/bad"
sed -i 's/^Gen Corp 0003,Belgium,10,Trunk,/Gen Corp 0003,Belgium,10,Trunkk,/' \
	"$T/bad/enterprises.csv"
tp -m "$T/bad" apply
expect_rc 65 "a validation error exits 65"
check "it names the row" grep -q 'enterprises.csv:4: .*Trunkk' "$T/err"
check "the simulator saw no request" test "$(sim_stat "$api_requests")" = 0
check "no state file was written" test ! -e "$T/bad/teamsprov.db"

# A configuration error in the environment.
TEAMSPROV_C2T_RATE=fast tp -m "$T/m" apply
expect_rc 65 "a config error exits 65"
check "it names the setting" grep -qi 'rate' "$T/err"
check "the simulator saw no request" test "$(sim_stat "$api_requests")" = 0

# A configured secret variable that is not set is a configuration error,
# found before any request (not a refused login: 65, not 77).
unset C2T_PASSWORD
tp -m "$T/m" apply
apply_env
expect_rc 65 "an unset password variable exits 65"
check "it names the variable and the key" \
	grep -q 'password_env: environment variable C2T_PASSWORD is not set' "$T/err"
check "the simulator saw no request" test "$(sim_stat "$api_requests")" = 0

# An SBC gateway name resolved against the live list (no pinned table)
# that is not in it.
cp -r "$T/m" "$T/sbc"
rm "$T/sbc/sbc_gateways.csv"
sed -i 's/^Gen Corp 0002,Belgium,10,Trunk,US-East,/Gen Corp 0002,Belgium,10,Trunk,US-Eats,/' \
	"$T/sbc/enterprises.csv"
tp -m "$T/sbc" apply
expect_rc 65 "an unknown SBC name exits 65"
check "it names the row and suggests the live name" \
	grep -q 'enterprises.csv:3: .*"US-Eats" is not in the live list; did you mean "US-East"' "$T/err"
check "the live list was asked for" \
	test "$(sim_stat 's["requests"].get("c2t.getAvailableSBCGatewayRegionsByResellerId", 0)')" = 1
check "nothing was created" test "$(sim_stat "$creates")" = 0
check "the journal has no enterprise" \
	test "$(DB=$T/sbc/teamsprov.db q "select count(*) from enterprises")" = 0

# Refused credentials.
C2T_PASSWORD=not-the-password tp -m "$T/m" apply
expect_rc 77 "a wrong password exits 77"
check "it says the token endpoint refused" grep -qi 'invalid_grant\|refused\|credentials' "$T/err"
check "the password is not echoed" sh -c '! grep -q not-the-password "$1"' _ "$T/err"
check "nothing was created" test "$(sim_stat "$creates")" = 0

# Nobody listening: a port that was free a moment ago.
port=$(python3 -S -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TEAMSPROV_C2T_BASE_URL=http://127.0.0.1:$port tp -m "$T/m" apply
expect_rc 69 "an API nobody listens on exits 69"
check "it says the connection failed" grep -qi 'connect' "$T/err"
check "still nothing was created" test "$(sim_stat "$creates")" = 0

# The same manifest applies once the problems are gone.
tp -q -m "$T/m" apply
expect_rc 0 "apply then succeeds"
check "and creates every enterprise" test "$(sim_stat "$creates")" = 5

tp_done
