# Integration: teamsprov acs get|put|delete against the simulator —
# readable and --json output, the exit statuses, usage errors, a wrong key.
. "$TP_ROOT/tests/lib.sh"
. "$TP_ROOT/tests/acs-lib.sh"

sim_start
acs_manifest "$T/m"
cd "$T/m"
TN=87d349ed-44d7-43e1-9a83-5f2406dee5bd
OB=E5B7F628-EA94-4FDC-B3D9-1AF1FE231111
C1=1bfa671a-dc6b-47f3-8940-45c0f1af0fa6
C2=2bfa671a-dc6b-47f3-8940-45c0f1af0fa6

tp acs get $TN $OB
expect_rc 1 "get of a missing assignment exits 1"
check "and says there is none" contains "$T/out" "$TN/$OB: no assignment"
tp acs get $TN $OB --json
expect_rc 1 "get --json of a missing one exits 1"
check "with state absent" contains "$T/out" '"state":"absent"'

tp acs put $TN $OB --principal-type user --client-id $C1 --client-id $C2
expect_rc 0 "put grants"
check "it was created" contains "$T/out" "$TN/$OB: created"
check "it shows the client ids" contains "$T/out" "client ids: $C1 $C2"
check "the simulator has it" test "$(acs_count assignments)" = 1
tp acs put $TN $OB --principal-type resourceAccount --json
expect_rc 0 "put again updates"
check "--json shows the answer" test "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["principalType"], len(d["clientIds"]))' "$T/out")" = "resourceAccount 0"
tp acs get $TN $OB
expect_rc 0 "get of an existing assignment"
check "readable" contains "$T/out" "principal type: resourceAccount"
check "no client ids" contains "$T/out" "client ids: none"

tp acs delete $TN $OB
expect_rc 0 "delete revokes"
check "it says deleted" contains "$T/out" "deleted"
check "the simulator has none" test "$(acs_count assignments)" = 0
tp acs get $TN $OB
expect_rc 1 "gone"

tp acs put $TN $OB --principal-type User
expect_rc 64 "a misspelt principal type is a usage error"
tp acs put $TN $OB --principal-type user
expect_rc 64 "user without a client id is a usage error"
tp acs get $TN not-a-guid
expect_rc 64 "a bad object id is a usage error"
tp acs frob $TN $OB
expect_rc 64 "an unknown operation is a usage error"
tp acs get $TN $OB --client-id $C1
expect_rc 64 "--client-id goes with put only"
n=$(sim_stat 's["requests"].get("acs.get", 0) + s["requests"].get("acs.put", 0)')
check "usage errors sent nothing" test "$n" = 6

ACS_CONNECTION_STRING="endpoint=$SIM_URL/;accesskey=d3Jvbmcta2V5LXZhbHVl" tp acs get $TN $OB
expect_rc 77 "a wrong key exits 77"
check "with the likely cause" contains "$T/err" "likely cause: the access key"
check "the key is not shown" sh -c "! grep -q d3Jvbmcta2V5 '$T/err' '$T/out'"

tp_done
