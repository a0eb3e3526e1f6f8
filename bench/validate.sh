#!/bin/bash
# bench/validate.sh: `teamsprov validate` on a large manifest.
#
# Generates 100,000 enterprises (enterprises.csv), a 200,000-row
# services.csv and the pinned SBC/PBX tables into a temporary directory,
# runs `$TP_BUILD/teamsprov validate -m DIR` 5 times and prints the median
# wall time, the peak RSS, MB/s and rows/s, the ratio against a baseline
# (`wc -l` over the same files, measured in this run) and PASS or FAIL
# against the goals: median wall <= 0.5 s, peak RSS <= 100 MB.
# Wall time and peak RSS come from wait4(2) through python3, so no
# /usr/bin/time is needed.
set -eu
: "${TP_BUILD:?run through bench/run}"
TP=$TP_BUILD/teamsprov
N_ENT=${BENCH_ENTERPRISES:-100000}
N_SVC=${BENCH_SERVICES:-200000}
D=$(mktemp -d "${TMPDIR:-/tmp}/tp-bench.XXXXXX")
trap 'rm -rf "$D"' EXIT

printf 'region,id\nUS-East,5678\nUS-West,5679\nEU-West,5701\nAPAC-Sydney,5810\n' \
	>"$D/sbc_gateways.csv"
printf 'name,id\n3CX,1234\nCisco CUCM,1240\nMitel MX-ONE,1251\n' \
	>"$D/pbx_types.csv"
awk -v n="$N_ENT" 'BEGIN {
	split("United States,United Kingdom,Germany,France,Australia", c, ",")
	split("PBX;CALLAPP|Trunk|PBX;CallRecording|Trunk;SMS|CHAT", s, "|")
	split("US-East|EU-West|US-East;US-West|APAC-Sydney|5701", g, "|")
	split("3CX|Cisco CUCM|Mitel MX-ONE|1234|3CX", p, "|")
	split("|Contacts;CDR|none|EnterpriseManagement;Contacts|CDR", k, "|")
	print "name,country,user_limit,services,sbc,pbx,consents,federated," \
	      "billing_references,x_notes"
	for (i = 0; i < n; i++) {
		j = i % 5 + 1
		printf "\"Customer %06d, Inc.\",%s,%d,%s,%s,%s,%s,%s,PO-%d,%s\n", \
			i, c[j], (i % 50 + 1) * 10, s[j], g[j], \
			(j == 2 || j == 4) ? "" : p[j], k[j], \
			(i % 2) ? "yes" : "false", i, \
			(i % 10) ? "" : "\"migration wave " int(i / 1000) "\""
	}
}' >"$D/enterprises.csv"
awk -v n="$N_SVC" -v e="$N_ENT" 'BEGIN {
	split("SMS CHAT CallRecording SMS CHAT", s, " ")
	print "enterprise,service"
	for (i = 0; i < n; i++)
		printf "\"customer %06d, inc.\",%s\n", i % e, s[int(i / e) % 5 + 1]
}' >"$D/services.csv"

python3 - "$TP" "$D" "$N_ENT" "$N_SVC" <<'EOF'
import os, statistics, subprocess, sys, time

tp, d, n_ent, n_svc = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
rows = n_ent + n_svc

def run(argv, out=subprocess.DEVNULL):
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    return wall, ru.ru_maxrss / 1024.0, p.returncode, err

walls, rss = [], []
for _ in range(5):
    w, r, rc, err = run([tp, "validate", "-m", d])
    if rc != 0:
        sys.stderr.write(err[-2000:])
        print("validate: FAIL (exit %d)" % rc)
        sys.exit(1)
    walls.append(w)
    rss.append(r)
base = statistics.median(run(["wc", "-l"] + [os.path.join(d, f)
        for f in sorted(os.listdir(d))])[0] for _ in range(5))
med = statistics.median(walls)
peak = max(rss)
print("validate: %d enterprises + %d services.csv rows, %.1f MB"
      % (n_ent, n_svc, size / 1e6))
print("  median wall %.3f s (runs: %s)" % (med, " ".join("%.3f" % w for w in walls)))
print("  peak RSS %.1f MB" % peak)
print("  %.1f MB/s, %.0f rows/s" % (size / 1e6 / med, rows / med))
print("  baseline wc -l %.3f s; validate/wc ratio %.1f" % (base, med / base if base else 0))
ok = med <= 0.5 and peak <= 100
print("validate: %s (goals: median wall <= 0.5 s, peak RSS <= 100 MB)"
      % ("PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
EOF
