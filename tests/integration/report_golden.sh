# Integration: teamsprov report from a journal written directly (fixed
# URLs and times), compared with the golden files in tests/golden/report/:
# every CSV (pending_consents.csv, enterprises.csv, enterprises/*.csv,
# failed/*) and summary.json; the HTML parsed by xmllint --html; failed/
# reads back as a manifest; --fail-on-pending; the retry command.
# TP_GOLDEN_UPDATE=1 rewrites the golden files instead of comparing.
. "$TP_ROOT/tests/lib.sh"

G=$TP_ROOT/tests/golden/report
cp -r "$G/manifest" "$T/m"
DB=$T/m/teamsprov.db

# The schema comes from the tool itself (state forget opens the journal
# for writing); the rows from SQL, with times that do not move.
tp -m "$T/m" state forget nobody
expect_rc 1 "state forget creates the journal"
python3 - "$DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
T = 1765000000000
ent = [  # name, status (0 pending 1 created 2 adopted 3 failed), id, error, registered
    ("Alpha One", 1, 1001, None, 1),
    ("Beta, Two", 2, 1002, None, 0),
    ("=Gamma", 3, 0, "HTTP 400: enterpriseName \"=Gamma\" is not allowed", 0),
]
for n, st, i, err, reg in ent:
    db.execute("insert into enterprises (key, name, status, enterprise_id,"
               " last_error, registered, updated_at) values (?,?,?,?,?,?,?)",
               (n.lower(), n, st, i, err, reg, T))
act = [  # enterprise, action, status (0 pending 1 issued 2 granted 3 error 4 confirmed), detail
    ("Alpha One", "REGISTRATION", 1, None),
    ("Alpha One", "GET_USER_SYNC_CONSENT", 4, None),
    ("Alpha One", "GET_AGENT_CONSENT", 2, None),
    ("Alpha One", "GET_PRESENCE_CONSENT", 1, None),
    ("Alpha One", "GET_SERVICE_PROVIDER_MANAGEMENT_CONSENT", 1, None),
    ("Alpha One", "LOGIN_ENTERPRISE_ADMIN", 1, None),
    ("Beta, Two", "REGISTRATION", 1, None),
    ("Beta, Two", "GET_USER_SYNC_CONSENT", 3, "-AADSTS65004: the admin declined"),
    ("Beta, Two", "GET_AGENT_CONSENT", 1, None),
    ("Beta, Two", "GET_PRESENCE_CONSENT", 1, None),
    ("Beta, Two", "GET_CONTACTS_CONSENT", 2, None),
    ("Beta, Two", "GET_CDR_CONSENT", 1, None),
]
for k, (e, a, st, d) in enumerate(act):
    db.execute("insert into actions (key, enterprise, action, status, url,"
               " issued_at, detail, updated_at) values (?,?,?,?,?,?,?,?)",
               (e.lower(), e, a, st,
                "https://c2t.example/act/%d?tenant=x&step=%s" % (k, a), T + k * 60000, d, T))
db.commit()
PY
check "the journal is written" test -s "$DB"

tp -m "$T/m" report --out "$T/r"
expect_rc 0 "report"
check "it prints where index.html is" contains "$T/out" "$T/r/index.html"
check "it prints the retry command" \
	contains "$T/out" "teamsprov apply -m $T/r/failed --state $T/m/teamsprov.db"
sed -i 's/"generated_at":.*/"generated_at": "(now)",/' "$T/r/summary.json"

files="pending_consents.csv enterprises.csv summary.json
enterprises/alpha-one.csv enterprises/beta-two.csv enterprises/gamma.csv
enterprises/delta.csv failed/enterprises.csv failed/services.csv
failed/sbc_gateways.csv failed/pbx_types.csv failed/teamsprov.conf"
if [ "${TP_GOLDEN_UPDATE:-}" = 1 ]; then
	for f in $files; do
		mkdir -p "$(dirname "$G/out/$f")"
		cp "$T/r/$f" "$G/out/$f"
	done
	ok "golden files rewritten"
fi
for f in $files; do
	if diff -u "$G/out/$f" "$T/r/$f" >"$T/diff"; then
		ok "golden: $f"
	else
		not_ok "golden: $f"
		sed 's/^/# /' "$T/diff" | head -n 20
	fi
done
check "every enterprise has a page and a CSV, and nothing else is there" \
	test "$(ls "$T/r/enterprises" | wc -l)" = 8
check "no temporary file is left" \
	test -z "$(find "$T/r" -name '.*.tmp*')"
check "failed/ has no fusion.csv or acs.csv when the manifest has none" \
	test ! -e "$T/r/failed/fusion.csv" -a ! -e "$T/r/failed/acs.csv"

if command -v xmllint >/dev/null; then
	check "every page parses as HTML without errors" \
		xmllint --html --noout "$T/r/index.html" "$T/r"/enterprises/*.html
else
	not_ok "xmllint is installed (libxml2-utils)"
fi
check "index links each enterprise page" \
	contains "$T/r/index.html" 'href="enterprises/beta-two.html"'
check "the index lists every enterprise" \
	test "$(grep -c '<tr><td><a href="enterprises/' "$T/r/index.html")" = 4
check "an action link opens with noopener noreferrer" \
	contains "$T/r/enterprises/alpha-one.html" \
	'href="https://c2t.example/act/3?tenant=x&amp;step=GET_PRESENCE_CONSENT" target="_blank" rel="noopener noreferrer"'
check "a granted action shows no link" \
	sh -c '! grep -q "act/2?" "$1"' _ "$T/r/enterprises/alpha-one.html"
check "the page shows the admin's error detail" \
	contains "$T/r/enterprises/beta-two.html" "-AADSTS65004: the admin declined"
check "the failed enterprise's page shows its error, escaped" \
	contains "$T/r/enterprises/gamma.html" "enterpriseName &quot;=Gamma&quot; is not allowed"
check "pages carry no external asset" \
	sh -c '! grep -El "<link|<script src|url\\(|@import|src=\"http" "$@"' _ \
	"$T/r/index.html" "$T/r"/enterprises/*.html

# failed/ is a manifest: it validates and names just the failed item.
tp -m "$T/r/failed" validate
expect_rc 0 "failed/ validates as a manifest"
check "it holds one enterprise" contains "$T/out" "ok: 1 enterprise"

tp -m "$T/m" report --out "$T/r" --fail-on-pending
expect_rc 3 "--fail-on-pending exits 3 with mandatory consents pending"
python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("update actions set status = 2")
db.execute("update enterprises set status = 1, registered = 1")
db.execute("delete from enterprises where key in (?, ?)", ("delta", "=gamma"))
db.commit()' "$DB"
sed -i '/^Delta,/d; /^=Gamma,/d' "$T/m/enterprises.csv"
sed -i '/^Delta,/d; /^=gamma,/d' "$T/m/services.csv"
tp -m "$T/m" report --out "$T/r" --fail-on-pending
expect_rc 0 "--fail-on-pending exits 0 once every mandatory one is granted"
check "failed/ is emptied once nothing failed" \
	test -z "$(ls "$T/r/failed")"
check "no retry command then" sh -c '! grep -q "to retry" "$1"' _ "$T/out"
check "the summary counts nothing pending" \
	contains "$T/r/summary.json" '"recommended_pending":	0'

tp -m "$T/m" report --out "$T/m"
expect_rc 64 "--out may not be the manifest directory"
tp -m "$T/m" report --bogus
expect_rc 64 "an unknown option is a usage error"
tp_done
