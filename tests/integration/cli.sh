# Integration: the command-line frame (help, version, usage errors).
. "$TP_ROOT/tests/lib.sh"

tp --version
expect_rc 0 "--version exits 0"
check "--version prints the version" grep -q '^teamsprov [0-9]' "$T/out"

tp --help
expect_rc 0 "--help exits 0"
check "--help goes to stdout and lists commands" contains "$T/out" "Commands:"
check "--help lists help" grep -q '^  help ' "$T/out"

tp
expect_rc 64 "no command is a usage error"
check "usage goes to stderr" contains "$T/err" "usage: teamsprov"

tp halp
expect_rc 64 "unknown command exits 64"
check "unknown command suggests the closest" contains "$T/err" \
	'unknown command "halp"; did you mean "help"?'
check "usage error has a one-line hint" contains "$T/err" "Try 'teamsprov --help'."

tp frobnicate
expect_rc 64 "unrelated unknown command exits 64"
check "no suggestion when nothing is close" sh -c "! grep -q 'did you mean' '$T/err'"

tp help help
expect_rc 0 "help COMMAND exits 0"
check "help COMMAND prints its usage" grep -q '^usage: teamsprov help \[COMMAND\]' "$T/out"

tp help --help
expect_rc 0 "COMMAND --help exits 0"
check "COMMAND --help prints the same usage" grep -q '^usage: teamsprov help' "$T/out"

tp help nosuch
expect_rc 64 "help of an unknown command exits 64"

tp -j 0 help
expect_rc 64 "bad --workers exits 64"
tp help -m
expect_rc 64 "missing option value exits 64"
tp -q -v help
expect_rc 64 "--quiet with --verbose exits 64"

set +e
"$TEAMSPROV" --help >/dev/full 2>"$T/err"
RC=$?
set -e
expect_rc 73 "a failed write to stdout exits 73"
check "the write error is reported" contains "$T/err" "write error on stdout"

tp_done
