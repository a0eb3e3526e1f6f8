# Integration: urls (expired, --refresh, --action) and state list, show and
# forget, against the simulator.
. "$TP_ROOT/tests/lib.sh"

mkdir "$T/m"
cat >"$T/m/enterprises.csv" <<'CSV'
name,services,sbc,pbx,consents
Alpha One,PBX,US-East,Example PBX,
Beta Two,SMS,,,none
CSV
sim_start
export TEAMSPROV_C2T_BASE_URL=$SIM_URL TEAMSPROV_C2T_RATE=1000/s \
	C2T_CLIENT_SECRET=sim-secret C2T_PASSWORD=sim-pass
cat >"$T/m/teamsprov.conf" <<'CONF'
[c2t]
client_id = sim-client
client_secret_env = C2T_CLIENT_SECRET
username = sim-user
password_env = C2T_PASSWORD
callback_base = https://portal.example.com/tp
CONF
urls_issued() { sim_stat 'sum(sum(v.values()) for v in s["c2t"]["action_urls"].values())'; }

tp -m "$T/m" urls
expect_rc 0 "urls before apply succeeds"
check "urls creates nothing" test "$(sim_stat 's["c2t"]["enterprises_created"]')" = 0
check "urls says what is not created yet" contains "$T/out" "not created yet: 2 enterprises"

tp -q -m "$T/m" apply
expect_rc 0 "apply"
# Alpha: REGISTRATION, UserSync, Agent, Presence, CALLAPP?, no: PBX only,
# EnterpriseManagement by default; Beta: REGISTRATION, UserSync, Agent.
check "apply issued the matrix's URLs" test "$(urls_issued)" = 8

tp -m "$T/m" urls
expect_rc 0 "urls with nothing due"
check "nothing is re-issued while fresh" test "$(urls_issued)" = 8

# Age every URL by eight days: past the default url_max_age of 7d.
python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("update actions set issued_at = issued_at - 8 * 86400000")
db.commit()' "$T/m/teamsprov.db"
tp -m "$T/m" urls
expect_rc 0 "urls after eight days"
check "expired URLs are re-issued" test "$(urls_issued)" = 16

tp -m "$T/m" urls --refresh --only "beta two"
expect_rc 0 "urls --refresh --only"
check "--refresh re-issues one enterprise's URLs" test "$(urls_issued)" = 19

tp -m "$T/m" urls --action LOGIN_ENTERPRISE_ADMIN --only "Alpha One"
expect_rc 0 "urls --action LOGIN_ENTERPRISE_ADMIN"
check "the login URL was issued" test "$(sim_stat 's["c2t"]["action_urls"]["Alpha One"].get("LOGIN_ENTERPRISE_ADMIN", 0)')" = 1
tp -m "$T/m" urls --action NO_SUCH_ACTION
expect_rc 64 "an unknown action type is a usage error"

tp -m "$T/m" state list
expect_rc 0 "state list"
check "state list shows both" sh -c "grep -c created '$T/out' | grep -qx 2"
tp -m "$T/m" state show "ALPHA ONE"
expect_rc 0 "state show (case-insensitive)"
check "state show lists the login action" contains "$T/out" "LOGIN_ENTERPRISE_ADMIN"
check "state show has the redirect's URL" contains "$T/out" "url: http"
tp -m "$T/m" state show "Nobody"
expect_rc 1 "state show of an unknown enterprise exits 1"
tp -m "$T/m" state frobnicate
expect_rc 64 "an unknown state subcommand is a usage error"

tp -m "$T/m" state forget "Beta Two"
expect_rc 0 "state forget"
tp -m "$T/m" plan
expect_rc 2 "after forget, plan has work"
check "plan names the forgotten enterprise" contains "$T/out" 'create enterprise "Beta Two"'
tp -q -m "$T/m" apply
expect_rc 0 "apply after forget"
check "the forgotten enterprise is adopted, not created again" \
	contains "$T/out" "0 created, 1 adopted"
check "the simulator refused the duplicate once" \
	test "$(sim_stat 's["c2t"]["duplicate_refusals"]')" = 1

tp_done
