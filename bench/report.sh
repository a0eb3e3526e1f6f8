#!/bin/bash
# bench/report.sh: `teamsprov report` for 10,000 enterprises and 60,000
# actions (issue 8): wall time <= 2 s, peak RSS <= 200 MB (wait4),
# index.html <= 5 MB. The journal is written directly with SQLite (a
# schema made by the tool, rows by one transaction), with a matching
# manifest; median of BENCH_REPORT_RUNS runs (default 3).
set -eu
: "${TP_BUILD:?run through bench/run}"
exec python3 - "$@" <<'PY'
import os, shutil, sqlite3, subprocess, sys, tempfile, time

N = int(os.environ.get("BENCH_REPORT_ENTERPRISES", "10000"))
RUNS = int(os.environ.get("BENCH_REPORT_RUNS", "3"))
tp = os.path.join(os.environ["TP_BUILD"], "teamsprov")
d = tempfile.mkdtemp(prefix="tp-bench-report.")
try:
    m = os.path.join(d, "m")
    os.mkdir(m)
    with open(os.path.join(m, "enterprises.csv"), "w") as f:
        f.write("name,country,user_limit,services,sbc,pbx,consents\n")
        for i in range(N):
            f.write("Bench Enterprise %05d,Belgium,10,Trunk,US-East,,\n" % i)
    with open(os.path.join(m, "sbc_gateways.csv"), "w") as f:
        f.write("region,id\nUS-East,5678\n")
    db = os.path.join(m, "teamsprov.db")
    subprocess.run([tp, "-m", m, "state", "forget", "nobody"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c = sqlite3.connect(db)
    T = 1765000000000
    acts = ["REGISTRATION", "GET_USER_SYNC_CONSENT", "GET_AGENT_CONSENT",
            "GET_PRESENCE_CONSENT", "GET_SERVICE_PROVIDER_MANAGEMENT_CONSENT",
            "LOGIN_ENTERPRISE_ADMIN"]
    with c:
        for i in range(N):
            n = "Bench Enterprise %05d" % i
            c.execute("insert into enterprises (key, name, status,"
                      " enterprise_id, registered, updated_at) values"
                      " (?,?,?,?,?,?)", (n.lower(), n, 1, 10000 + i, i % 3 == 0, T))
            for k, a in enumerate(acts):
                st = 2 if (i + k) % 4 == 0 else (3 if (i + k) % 97 == 0 else 1)
                c.execute("insert into actions (key, enterprise, action,"
                          " status, url, issued_at, token_hash, updated_at)"
                          " values (?,?,?,?,?,?,?,?)",
                          (n.lower(), n, a, st,
                           "https://login.c2t.example/act/%d/%s?state=%032x" % (i, a, i * 7 + k),
                           T + i, "%064x" % (i * 7 + k), T))
    c.close()
    nact = N * len(acts)
    walls, rss = [], []
    for r in range(RUNS):
        out = os.path.join(d, "r%d" % r)
        t0 = time.monotonic()
        p = subprocess.Popen([tp, "-q", "-m", m, "report", "--out", out],
                             stdout=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        walls.append(time.monotonic() - t0)
        rss.append(ru.ru_maxrss / 1024.0)
        if os.waitstatus_to_exitcode(status) != 0:
            print("report: FAIL (exit %d)" % os.waitstatus_to_exitcode(status))
            sys.exit(1)
    size = os.path.getsize(os.path.join(d, "r0", "index.html")) / 1e6
    pages = len(os.listdir(os.path.join(d, "r0", "enterprises")))
    walls.sort()
    rss.sort()
    w, mem = walls[len(walls) // 2], rss[len(rss) // 2]
    ok = w <= 2.0 and mem <= 200 and size <= 5 and pages == 2 * N
    print("report: %d enterprises, %d actions, %d files under enterprises/"
          % (N, nact, pages))
    print("  wall %.2f s (runs %s; goal <= 2 s)" %
          (w, " ".join("%.2f" % x for x in walls)))
    print("  peak RSS %.0f MB (goal <= 200 MB); index.html %.2f MB (goal <= 5 MB)"
          % (mem, size))
    print("  %s" % ("PASS" if ok else "FAIL"))
    sys.exit(0 if ok else 1)
finally:
    shutil.rmtree(d, ignore_errors=True)
PY
