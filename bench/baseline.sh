#!/bin/bash
# bench/baseline.sh: the baseline of benchmark 5 (issue 4): the same
# job as teamsprov apply, as an operator would otherwise script it.
#
#   bench/baseline.sh URL CREATES ACTIONS
#     is what an operator would otherwise write: a token from /oauth/token
#     with curl, then every newEnterprise body of CREATES, then every
#     getActionItemUrl body of ACTIONS (one JSON body a line), each POSTed
#     by its own curl under xargs -P 16, with curl's own --retry (which
#     waits out 429s and honours Retry-After). Exit status non-zero when a
#     request failed for good.
#
#   bench/baseline.sh        (as bench/run calls it)
#     does nothing: benchmark 5 runs this script from bench/apply_rate.sh,
#     beside benchmark 1 against the same simulator settings.
set -eu
if [ $# -eq 3 ]; then
	url=$1
	tok=$(curl -sS -u sim-client:sim-secret -d grant_type=password \
		-d username=sim-user -d password=sim-pass "$url/oauth/token" |
		sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p')
	[ -n "$tok" ] || { echo "baseline: no token" >&2; exit 1; }
	post() {
		xargs -d '\n' -P 16 -I{} curl -sSf -o /dev/null --retry 5 \
			-H "Authorization: Bearer $tok" \
			-H 'Content-Type: application/json' -d {} "$url$1"
	}
	status=0
	post /reseller/newEnterprise <"$2" || status=1
	post /enterprise/getActionItemUrl <"$3" || status=1
	exit $status
fi
echo "baseline: the operator's script of benchmark 5; run by apply_rate.sh"
