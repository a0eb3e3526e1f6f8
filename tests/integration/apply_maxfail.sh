# Integration: --max-failures stops starting new items once crossed.
# Every item here fails for good: the journal says 30 enterprises exist,
# but the provider has lost them (the simulator was reset), so each
# action URL request gets 404. Nothing the tool validates can make the
# simulator refuse a create: its rules (names, services, gateways, PBX
# types) are the manifest's, checked before anything is sent.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/applylib.sh"

N=30
W=4
gen_manifest "$T/m" $N
sim_start
apply_env
DB=$T/m/teamsprov.db
urls='s["requests"].get("c2t.getActionItemUrl", 0)'

tp -q -m "$T/m" --only "Gen Corp 0001" apply
expect_rc 0 "a first apply of one enterprise succeeds"
# Journal the other 29 as created, with made-up ids, and forget every
# URL: the next apply only has URL jobs, all bound to fail.
python3 -S - "$DB" <<-'EOF'
	import sqlite3, sys
	db = sqlite3.connect(sys.argv[1])
	row = db.execute("select * from enterprises").fetchone()
	cols = [d[0] for d in db.execute("select * from enterprises").description]
	for i in range(2, 31):
	    r = dict(zip(cols, row))
	    r["name"] = "Gen Corp %04d" % i
	    r["key"] = r["name"].lower()
	    r["enterprise_id"] = 6000000000 + i
	    r["idem_key"] = "%032x" % i
	    db.execute("insert into enterprises (%s) values (%s)" % (
	        ",".join(r), ",".join("?" * len(r))), list(r.values()))
	db.execute("delete from actions")
	db.commit()
EOF
curl -sS -X POST "$SIM_URL/_sim/reset" >/dev/null
check "the simulator forgot everything" test "$(sim_stat "$urls")" = 0

tp -q -j $W -m "$T/m" apply --max-failures 0
expect_rc 1 "--max-failures 0 exits 1"
check "the summary says it halted" contains "$T/out" "halted: more failures than --max-failures allows"
check "it names a failed item with the 404" grep -q '^failed: "Gen Corp .*404' "$T/out"
n0=$(sim_stat "$urls")
check "it stopped at the first failure ($n0 requests, $W workers)" \
	test "$n0" -ge 1 -a "$n0" -le $W
check "the rest is left for the next run" grep -q '^not finished: ' "$T/out"

tp -q -j $W -m "$T/m" apply --max-failures 5
expect_rc 1 "--max-failures 5 exits 1"
n5=$(($(sim_stat "$urls") - n0))
check "it stopped after the sixth failure ($n5 requests)" \
	test "$n5" -ge 6 -a "$n5" -le $((6 + W - 1))

tp -q -j $W -m "$T/m" apply --max-failures 10%
expect_rc 1 "--max-failures 10% exits 1"
np=$(($(sim_stat "$urls") - n0 - n5))
check "a percentage waits for 20 finished items ($np requests)" \
	test "$np" -ge 20 -a "$np" -le $((20 + W - 1))

tp -q -j $W -m "$T/m" apply
expect_rc 1 "without --max-failures every item is tried and the run exits 1"
nall=$(($(sim_stat "$urls") - n0 - n5 - np))
check "every URL was tried ($nall)" test "$nall" = $((N * 5))
check "nothing halted" sh -c '! grep -q "^halted" "$1"' _ "$T/out"

tp_done
