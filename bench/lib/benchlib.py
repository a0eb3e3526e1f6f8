"""benchlib: what the apply benchmarks of `make bench` share.

Manifests generated into a temporary directory (names, services with
SBC/PBX from the simulator's default lists, pinned), the request bodies
teamsprov will send for them (for bench/baseline.sh and bench/curlfloor.c),
a simulator per run on a random loopback port, and runs measured through
wait4(2): wall time, CPU (user + sys of the process and its waited-for
children) and peak RSS. Figures are medians of RUNS runs (3).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
ROOT = os.environ["TP_ROOT"]
BUILD = os.environ["TP_BUILD"]
TP = os.path.join(BUILD, "teamsprov")
SIM = os.path.join(BUILD, "teamsprov-sim")

# The simulator's default lists (sim_default_lists), pinned.
SBC = [("US-East", 5678), ("US-West", 5679), ("EU-West", 5680), ("APAC", 5681)]
PBX = [("Example PBX", 1234), ("BroadWorks", 1235), ("Asterisk", 1236)]
# Three shapes of enterprise: 6, 5 and 7 action URLs (spec section 4).
SHAPES = [
    (["PBX", "CALLAPP"], ["US-East"], ["Example PBX"]),
    (["Trunk"], ["US-West", "EU-West"], []),
    (["PBX", "CALLAPP", "CallRecording"], ["APAC"], ["Asterisk", "BroadWorks"]),
]
CALLING = {"PBX", "Trunk", "CALLAPP", "CallRecording"}
CALLBACK = "http://127.0.0.1:9/teamsprov"


def tmpdir():
    d = tempfile.mkdtemp(prefix="tp-bench.", dir=os.environ.get("TMPDIR"))
    return d


def actions(services):
    a = ["REGISTRATION", "GET_USER_SYNC_CONSENT", "GET_AGENT_CONSENT"]
    if CALLING & set(services):
        a.append("GET_PRESENCE_CONSENT")
    if "CALLAPP" in services:
        a.append("GET_CALL_APP_CONSENT")
    if "CallRecording" in services:
        a.append("GET_CALL_RECORDING_CONSENT")
    a.append("GET_SERVICE_PROVIDER_MANAGEMENT_CONSENT")
    return a


class Manifest:
    """N enterprises in DIR/m, and their request bodies in DIR/creates.txt
    and DIR/actions.txt (one JSON body per line)."""

    def __init__(self, parent, n, rate="0", workers=8):
        self.n = n
        self.dir = os.path.join(parent, "m%d" % n)
        self.creates = os.path.join(parent, "creates%d.txt" % n)
        self.actions = os.path.join(parent, "actions%d.txt" % n)
        os.makedirs(self.dir)
        with open(os.path.join(self.dir, "sbc_gateways.csv"), "w") as f:
            f.write("region,id\n")
            f.writelines("%s,%d\n" % r for r in SBC)
        with open(os.path.join(self.dir, "pbx_types.csv"), "w") as f:
            f.write("name,id\n")
            f.writelines("%s,%d\n" % r for r in PBX)
        sbc, pbx = dict(SBC), dict(PBX)
        nact = 0
        with open(os.path.join(self.dir, "enterprises.csv"), "w") as e, \
                open(self.creates, "w") as c, open(self.actions, "w") as a:
            e.write("name,services,sbc,pbx\n")
            for i in range(n):
                svc, gw, pt = SHAPES[i % len(SHAPES)]
                name = "Bench Customer %06d" % i
                e.write("%s,%s,%s,%s\n" % (name, ";".join(svc),
                                           ";".join(gw), ";".join(pt)))
                c.write(json.dumps({
                    "enterpriseName": name, "services": svc,
                    "sbcGateways": [sbc[g] for g in gw],
                    "pbxId": [pbx[p] for p in pt],
                    "restrictAdminAccess": True, "resellerId": 54},
                    separators=(",", ":")) + "\n")
                for t in actions(svc):
                    a.write(json.dumps({
                        "actionType": t, "enterpriseName": name,
                        "redirectUrl": "%s/c/%064x" % (CALLBACK, i)},
                        separators=(",", ":")) + "\n")
                    nact += 1
        self.requests = n + nact  # creates and action URLs
        self.set_conf(rate, workers)

    def set_conf(self, rate, workers=8):
        with open(os.path.join(self.dir, "teamsprov.conf"), "w") as f:
            f.write("[c2t]\nbase_url = http://127.0.0.1:9\n"
                    "client_id = sim-client\n"
                    "client_secret_env = C2T_CLIENT_SECRET\n"
                    "username = sim-user\npassword_env = C2T_PASSWORD\n"
                    "callback_base = %s\nrate = %s\n"
                    "[run]\nworkers = %d\n" % (CALLBACK, rate, workers))

    def reset(self):
        """Forgets the journal, so the next apply starts afresh."""
        for f in os.listdir(self.dir):
            if f.startswith("teamsprov.db"):
                os.unlink(os.path.join(self.dir, f))


class Sim:
    def __init__(self, *args):
        self.p = subprocess.Popen([SIM, "--listen", "127.0.0.1:0"] +
                                  list(args), stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        line = self.p.stdout.readline().decode()
        if not line.startswith("listening on "):
            raise SystemExit("simulator did not start")
        self.url = "http://" + line.split()[-1]

    def stats(self):
        with urllib.request.urlopen(self.url + "/_sim/stats") as r:
            return json.load(r)

    def close(self):
        self.p.terminate()
        self.p.wait()
        self.p.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Run:
    """One process measured: wall, cpu (user + sys, children included),
    peak RSS in MB, exit status, stdout and stderr tails."""

    def __init__(self, argv, env=None):
        env = dict(os.environ, **(env or {}))
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            p = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
            _, status, ru = os.wait4(p.pid, 0)
            self.wall = time.perf_counter() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            self.out = out.read().decode(errors="replace")
            self.err = err.read().decode(errors="replace")
        self.cpu = ru.ru_utime + ru.ru_stime
        self.rss = ru.ru_maxrss / 1024.0
        self.rc = p.returncode

    def check(self, what):
        if self.rc != 0:
            sys.stderr.write(self.err[-2000:] + self.out[-1000:])
            raise SystemExit("%s: exit %d" % (what, self.rc))
        return self


def apply(m, sim, workers=None):
    """teamsprov apply on manifest m against sim; returns the Run with the
    simulator's counters as .requests (every request it answered) and
    .n429 (C2T answers 429)."""
    m.reset()
    argv = [TP, "-m", m.dir, "apply", "--no-progress", "-q"]
    if workers:
        argv[1:1] = ["-j", str(workers)]
    r = Run(argv, {"TEAMSPROV_C2T_BASE_URL": sim.url,
                   "C2T_CLIENT_SECRET": "sim-secret",
                   "C2T_PASSWORD": "sim-pass"}).check("teamsprov apply")
    counters(r, sim)
    return r


def counters(r, sim):
    s = sim.stats()
    r.requests = sum(v for k, v in s["requests"].items()
                     if not k.startswith("sim."))
    r.n429 = s["rate_limited"]["c2t"]
    r.created = s["c2t"]["enterprises_created"]
    r.urls = sum(sum(v.values()) for v in s["c2t"]["action_urls"].values())
    return r


def median(xs):
    return statistics.median(xs)


def fmt(xs, f="%.2f"):
    return " ".join(f % x for x in xs)


def verdict(ok):
    return "PASS" if ok else "FAIL"


def build_floor(d):
    """Builds bench/curlfloor.c into d; returns the binary's path."""
    exe = os.path.join(d, "curlfloor")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libcurl"],
                           check=True, capture_output=True,
                           text=True).stdout.split()
    subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-Wall",
                    "-Wextra", "-Werror", "-o", exe,
                    os.path.join(ROOT, "bench", "curlfloor.c")] + flags +
                   ["-lpthread"], check=True)
    return exe


def floor(exe, m, sim, threads):
    """curlfloor over m's requests against sim; a Run with counters."""
    r = Run([exe, sim.url, m.creates, m.actions, str(threads)])
    r.check("curlfloor")
    return counters(r, sim)
