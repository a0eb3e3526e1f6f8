# Integration: `teamsprov validate` on samples/ and on every broken
# manifest in samples/bad/ (each with its expected message), and proof that
# validation sends nothing.
. "$TP_ROOT/tests/lib.sh"
cd "$TP_ROOT"

# The samples name their secrets as environment variables.
export C2T_CLIENT_SECRET=x C2T_PASSWORD=x FUSION_PASSWORD=x \
	ACS_CONNECTION_STRING="endpoint=http://127.0.0.1:1/;accesskey=c2ltLWFjcy1rZXk="
for i in $(seq 1 20); do export "FUSION_APP_SECRET_$i=x"; done

tp -m samples validate
expect_rc 0 "samples/ validate cleanly"
check "the ok line counts what was read" grep -qE \
	'^ok: [0-9]+ enterprises, [0-9]+ services, [0-9]+ SBC gateways, [0-9]+ PBX types, [0-9]+ Fusion subscriptions, [0-9]+ ACS assignments$' "$T/out"
check "no warnings when every secret is set" test ! -s "$T/err"

tp validate --manifest samples/
expect_rc 0 "global options after the command, trailing slash"

# Every broken manifest: exit 65, and each expected line on stderr.
n=0
for d in samples/bad/*/; do
	d=${d%/}
	[ -f "$d/expected" ] || { not_ok "$d has an expected file"; continue; }
	n=$((n + 1))
	tp -m "$d" validate
	if [ "$RC" -ne 65 ]; then
		not_ok "$d exits 65 (got $RC)"
		sed 's/^/# /' "$T/err" | head -n 5
		continue
	fi
	missing=0
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		if ! grep -qxF -- "$line" "$T/err"; then
			echo "# wanted: $line"
			missing=1
		fi
	done <"$d/expected"
	if [ "$missing" -eq 0 ]; then
		ok "$d: exit 65 with its expected message"
	else
		not_ok "$d: expected message"
		sed 's/^/# got: /' "$T/err" | head -n 5
	fi
	check "$d: nothing on stdout" test ! -s "$T/out"
done
check "at least 20 broken manifests are checked" test "$n" -ge 20

# A missing secret variable is a warning, not a failure.
unset FUSION_APP_SECRET_1
tp -m samples validate
expect_rc 0 "a missing secret variable does not fail validate"
check "it is reported as a warning" grep -q 'warning: .*FUSION_APP_SECRET_1' "$T/err"

# Validation sends nothing: point every API at a listening simulator and
# count its requests.
if [ -x "$TEAMSPROV_SIM" ]; then
	sim_start
	export TEAMSPROV_C2T_BASE_URL=$SIM_URL TEAMSPROV_FUSION_BASE_URL=$SIM_URL
	tp -m samples validate
	expect_rc 0 "validate with the APIs pointed at the simulator"
	tp -m samples/bad/mf-bad-service validate
	expect_rc 65 "a broken manifest with the APIs pointed at the simulator"
	check "the simulator saw no request" \
		test "$(sim_stat 's["requests_total"]')" = 0
fi

# Files named on the command line that are not there.
tp -m "$T/nowhere" validate
expect_rc 65 "a missing manifest directory is a data error"
check "it names enterprises.csv" contains "$T/err" "$T/nowhere/enterprises.csv: error:"
tp -m samples -c "$T/none.conf" validate
expect_rc 65 "a missing -c file is a data error"

tp validate extra
expect_rc 64 "validate takes no arguments"

tp_done
