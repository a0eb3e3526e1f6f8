#!/bin/bash
# bench/apply_overhead.sh: benchmark 4 of `teamsprov apply` (issue 4),
# overhead against the floor, with a simulator without latency or limits
# (tool rate = 0, 8 workers):
#   - client CPU (user + sys, from wait4) per request <= 2 x that of
#     bench/curlfloor.c, a bare libcurl keep-alive loop sending the same
#     requests over 8 handles in 8 threads, measured in the same run:
#     2,000 enterprises (14,000 requests), medians of three runs each;
#   - peak RSS <= 64 MB for 10,000 enterprises (70,000 requests): one run
#     (BENCH_RSS_RUNS), since the simulator's enterprise lookups are
#     linear and make a 10,000-enterprise run last about 40 s.
set -eu
: "${TP_BUILD:?run through bench/run}"
exec python3 - "$@" <<'PY'
import sys, os, shutil
sys.path.insert(0, os.path.join(os.environ["TP_ROOT"], "bench", "lib"))
from benchlib import *

N_CPU = int(os.environ.get("BENCH_CPU_ENTERPRISES", "2000"))
N_RSS = int(os.environ.get("BENCH_RSS_ENTERPRISES", "10000"))
RSS_RUNS = int(os.environ.get("BENCH_RSS_RUNS", "1"))
J = 8
d = tmpdir()
try:
    exe = build_floor(d)
    m = Manifest(d, N_CPU, "0", J)
    tp, fl = [], []
    for _ in range(RUNS):
        with Sim() as s:
            fl.append(floor(exe, m, s, J))
        with Sim() as s:
            tp.append(apply(m, s))
    ct = [r.cpu / r.requests * 1e6 for r in tp]
    cf = [r.cpu / r.requests * 1e6 for r in fl]
    ratio = median(ct) / median(cf)
    ok_cpu = ratio <= 2.0 and all(r.created == N_CPU for r in tp)
    print("apply_overhead: sim without latency or limits, %d workers, %d "
          "enterprises, %s requests" % (J, N_CPU,
                                         fmt([r.requests for r in tp], "%d")))
    print("  teamsprov CPU %.1f us/request (runs %s), wall %.2f s (runs %s)"
          % (median(ct), fmt(ct, "%.1f"), median([r.wall for r in tp]),
             fmt([r.wall for r in tp])))
    print("  curlfloor CPU %.1f us/request (runs %s), wall %.2f s (runs %s)"
          % (median(cf), fmt(cf, "%.1f"), median([r.wall for r in fl]),
             fmt([r.wall for r in fl])))
    print("  CPU per request teamsprov / curlfloor %.2f (goal <= 2.00) %s"
          % (ratio, verdict(ok_cpu)))
    m.reset()
    big = Manifest(d, N_RSS, "0", J)
    rss = []
    for _ in range(RSS_RUNS):
        with Sim() as s:
            r = apply(big, s)
        if r.created != N_RSS:
            raise SystemExit("apply_overhead: %d of %d created"
                             % (r.created, N_RSS))
        rss.append(r.rss)
    ok_rss = median(rss) <= 64
    print("  peak RSS %.1f MB (runs %s) for %d enterprises, %d requests, "
          "wall %.1f s (goal <= 64 MB) %s" % (median(rss), fmt(rss, "%.1f"),
          N_RSS, r.requests, r.wall, verdict(ok_rss)))
    big.reset()
    ok = ok_cpu and ok_rss
    print("apply_overhead: %s" % verdict(ok))
finally:
    shutil.rmtree(d)
sys.exit(0 if ok else 1)
PY
