# Integration: teamsprov report after a real apply against the simulator,
# with a hostile-name manifest: names are escaped in HTML, neutralised in
# CSV, and give distinct files that stay inside --out; an unwritable or
# booby-trapped --out exits 73 and leaves no partial files.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"

gen_manifest "$T/m" 2
long=$(printf 'L%.0s' $(seq 1 250))
rlm=$(printf '\xe2\x80\x8f')
rlo=$(printf '\xe2\x80\xae')
python3 - "$T/m/enterprises.csv" "$long" "$rlm" "$rlo" <<'PY'
import csv, sys
path, long, rlm, rlo = sys.argv[1:]
names = ['<script>alert(1)</script>', '"onmouseover=alert(1) x="',
         '=HYPERLINK("http://evil.example/","click")', '+cmd|calc',
         '-2+3', '@SUM(A1:A9)', rlm + 'RTL ' + rlo + 'name', long,
         '../../escape', 'Case Corp', 'CASE-CORP', 'case: corp!',
         "<img src=x onerror=alert('x')>", '\tTab start']
with open(path, 'a', newline='') as f:
    w = csv.writer(f, lineterminator='\n')
    for n in names:
        w.writerow([n, 'Belgium', '10', 'Trunk', 'US-East', '', ''])
PY
N=$(($(wc -l <"$T/m/enterprises.csv") - 1))
tp -m "$T/m" validate
expect_rc 0 "the hostile manifest is valid"
sim_start
apply_env
DB=$T/m/teamsprov.db
tp -q -m "$T/m" apply
expect_rc 0 "apply the hostile names"

# A mix for the report: the admins of two enterprises did their part.
python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("update actions set status = 2 where enterprise in (?, ?)",
           ("Gen Corp 0001", "Case Corp"))
db.execute("update enterprises set registered = 1 where name = ?",
           ("Gen Corp 0001",))
db.commit()' "$DB"

mkdir "$T/work"
cd "$T/work"
tp -m "$T/m" report
expect_rc 0 "report with the default --out"
check "the default --out is report/ in the current directory" \
	test -f "$T/work/report/index.html"
R=$T/work/report
check "one page and one CSV per enterprise: distinct files" \
	test "$(ls "$R/enterprises" | wc -l)" = $((2 * N))
check "nothing escaped --out" \
	test -z "$(find "$T" -name 'escape*' -not -path "$R/*")"
check "every file name is a safe slug" \
	test -z "$(ls "$R/enterprises" | grep -v -E '^[a-z0-9]([a-z0-9-]*[a-z0-9])?\.(html|csv)$')"
check "Case Corp and CASE-CORP get different pages" \
	test "$(ls "$R/enterprises" | grep -c '^case-corp.*\.html$')" = 3
check "no slug is longer than 80 bytes" \
	test -z "$(ls "$R/enterprises" | awk 'length($0) > 85')"
check "xmllint parses every page without errors" \
	xmllint --html --noout "$R/index.html" "$R"/enterprises/*.html
check "no unescaped script element" \
	sh -c '! grep -l "<script>alert" "$@"' _ "$R/index.html" "$R"/enterprises/*.html
check "no unescaped img element" \
	sh -c '! grep -l "<img src=x" "$@"' _ "$R/index.html" "$R"/enterprises/*.html
check "no attribute breaks out" \
	sh -c '! grep -l "\"onmouseover" "$@"' _ "$R/index.html" "$R"/enterprises/*.html
check "the script name shows escaped" \
	contains "$R/index.html" "&lt;script&gt;alert(1)&lt;/script&gt;"
check "the quote name shows escaped" \
	contains "$R/index.html" "&quot;onmouseover=alert(1) x=&quot;"
check "the right-to-left name is isolated" \
	contains "$R/index.html" "<span dir=\"auto\" class=\"nm\">${rlm}RTL ${rlo}name</span>"
check "the 250-character name is there in full" contains "$R/index.html" "$long"
check "the index has a sortable table and works without script" \
	sh -c 'grep -q "<th class=\"s\">Enterprise</th>" "$1" &&
		test "$(grep -c "<tr><td><a href=\"enterprises/" "$1")" = "$2"' \
	_ "$R/index.html" "$N"
check "the chart is an SVG inlined in the page" \
	contains "$R/index.html" 'src="data:image/svg+xml;base64,'
python3 - "$R" >"$T/csvcheck" 2>&1 <<'PY'
import csv, glob, os, sys
r = sys.argv[1]
bad = []
files = [os.path.join(r, f) for f in ("pending_consents.csv", "enterprises.csv")]
files += glob.glob(os.path.join(r, "enterprises", "*.csv"))
names = set()
for f in files:
    with open(f, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    for row in rows[1:]:
        if f.endswith("/enterprises.csv"):
            names.add(row[0])
        for c in row:
            if c[:1] in ("=", "+", "-", "@", "\t", "\r"):
                bad.append((f, c))
print("cells", len(bad), bad[:3])
print("names", len(names))
for want in ("'=HYPERLINK(", "'+cmd|calc", "'-2+3", "'@SUM(A1:A9)"):
    if not any(n.startswith(want) for n in names):
        print("missing", repr(want))
PY
check "no report CSV cell starts a formula" contains "$T/csvcheck" "cells 0 "
check "every enterprise is a row of enterprises.csv" contains "$T/csvcheck" "names $N"
check "formula names are kept, with a leading quote" \
	sh -c '! grep -q missing "$1"' _ "$T/csvcheck"
check "the URLs of the simulator are links (loopback http)" \
	contains "$R/enterprises/gen-corp-0002.html" 'rel="noopener noreferrer"'
check "a granted enterprise's page shows done actions" \
	contains "$R/enterprises/gen-corp-0001.html" 't-granted'
check "summary.json has the stable keys" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert set(s) >= {"generated_at", "enterprises", "consents", "wizards", "acs"}
assert set(s["enterprises"]) >= {"total", "created", "failed", "registered"}
assert set(s["consents"]) >= {"mandatory_pending", "recommended_pending",
    "optional_pending", "granted", "error"}
assert set(s["wizards"]) >= {"none", "running", "done", "failed"}
assert set(s["acs"]) >= {"present", "confirmed", "absent_confirmed", "failed"}
assert s["enterprises"]["total"] == int(sys.argv[2])
assert s["enterprises"]["registered"] == 1
' "$R/summary.json" "$N"
check "the index is small" test "$(stat -c %s "$R/index.html")" -lt 200000

# Read-only: a report runs while apply (or anything) holds the state lock.
exec 8>"$DB.lock"
flock -n 8
tp -m "$T/m" report --out "$T/locked"
expect_rc 0 "report does not wait for the state lock"
exec 8>&-

# Unwritable --out: a clear error, 73, nothing left behind.
: >"$T/plainfile"
tp -m "$T/m" report --out "$T/plainfile/r"
expect_rc 73 "--out under a regular file exits 73"
check "it says why" contains "$T/err" "$T/plainfile/r"
tp -m "$T/m" report --out "$T/no/such/parent"
expect_rc 73 "--out under a missing directory exits 73"
check "no directory was created" test ! -e "$T/no"
mkdir "$T/trap" "$T/elsewhere"
ln -s "$T/elsewhere" "$T/trap/enterprises"
tp -m "$T/m" report --out "$T/trap"
expect_rc 0 "an enterprises/ that is a symbolic link is replaced"
check "nothing was written through the link" test -z "$(ls "$T/elsewhere")"
check "enterprises/ is now a directory of its own" \
	test -d "$T/trap/enterprises" -a ! -L "$T/trap/enterprises"
mkdir "$T/dirtrap" "$T/dirtrap/summary.json"
tp -m "$T/m" report --out "$T/dirtrap"
expect_rc 73 "a directory where summary.json goes exits 73"
check "before anything was put in place" \
	test "$(ls -A "$T/dirtrap")" = summary.json
cp "$R/index.html" "$T/index.before"
chmod 0444 "$R/summary.json"
tp -m "$T/m" report --out "$R"
expect_rc 0 "a report replaces the previous one"
check "the new files are complete" test -s "$R/index.html"
check "no temporary file is left" test -z "$(find "$R" -name '.*.tmp*')"
touch "$R/enterprises/stale-page.html"
tp -m "$T/m" report --out "$R"
check "pages no longer reported are gone" \
	test ! -e "$R/enterprises/stale-page.html"
tp_done
