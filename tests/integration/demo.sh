# Integration: `make demo` (tools/demo) end to end on samples/: the
# simulator on a free port, apply with its wizards, the consent receiver
# recording clicks made through the simulator, the reports, and nothing
# left running.
. "$TP_ROOT/tests/lib.sh"

out=$T/demo
mkdir "$T/tmp"
TMPDIR=$T/tmp TP_BUILD=$TP_BUILD TP_DEMO_OUT=$out bash "$TP_ROOT/tools/demo" \
	>"$T/demo.out" 2>"$T/demo.err"
rc=$?
check "the demo succeeds (exit $rc)" test $rc = 0
check "it prints the report's index.html" \
	grep -q "^The report: $out/index.html\$" "$T/demo.out"
check "index.html is there" test -s "$out/index.html"
summary() {
	python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$out/summary.json" "$1"
}
check "every enterprise was created" test "$(summary 's["enterprises"]["created"]')" = 40
check "the clicked registrations are recorded" \
	test "$(summary 's["enterprises"]["registered"]')" -ge 2
check "clicked consents are granted" \
	test "$(summary 's["consents"]["granted"]')" -ge 10
check "others stay pending" \
	test "$(summary 's["consents"]["mandatory_pending"]')" -gt 0
check "every wizard ended" \
	test "$(summary 's["wizards"]["running"] + s["wizards"]["none"]')" = 0
check "wizards completed" test "$(summary 's["wizards"]["done"]')" -gt 0
check "ACS assignments were confirmed" \
	test "$(summary 's["acs"]["confirmed"]')" -gt 0
check "Acme's page shows its wizard steps" \
	grep -q "Fusion onboarding wizard" "$out/enterprises/acme-corporation.html"
check "Acme's consents were confirmed with ConnecttoTeams" \
	grep -q "GET_AGENT_CONSENT  *confirmed" "$T/demo.out"
# tools/demo stops what it started: its temporary directory is gone, and
# no simulator or receiver started with it is left running.
check "the demo's temporary directory is removed" \
	sh -c "[ -z \"\$(ls -A '$T/tmp')\" ]"
# (the simulator and the receiver write into that directory)
check "nothing it started still runs" \
	sh -c "! find /proc/[0-9]*/fd -lname '$T/tmp/*' 2>/dev/null | grep -q ."

tp_done
