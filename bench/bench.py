#!/usr/bin/env python3
"""bench/bench.py: the body of `make bench` (bench/run.sh starts it).

Makes the file set, starts ringpushd and the installed reference servers on
their own high loopback ports (pinned to CPU 0), runs the job files in
bench/jobs with ringbench (pinned to CPU 1) against each server in turn,
rotating the order every round, and prints one table of medians: per file
size and connection count, requests/s, MiB/s, p99 latency, server CPU
microseconds per request and CPU seconds per GiB, and ringpushd against the
best reference; then the upload cells (PUT of 1 MiB and 256 MiB bodies by 1
and 16 connections, against nginx's dav module and lighttpd's mod_webdav
where installed).  Then, with wrk installed, a client check: wrk and
ringbench take turns against the server that needed the least CPU per 4 KiB
request (the one that asks the most of a client), and each client's
requests/s and CPU per request are printed side by side.  Writes bench.json
and, when gnuplot is installed, bench.png.  A benchmark, not a test: it
never fails on a number.
"""
import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = [("4k", 4096), ("64k", 65536), ("1m", 1 << 20), ("256m", 256 << 20)]
# The cells' job files: a size, and the receiver's sink that job sets.
# 256 MiB runs twice: with a receiver that splices to /dev/null (what the
# sender costs) and one that copies, as curl does (what a user sees).
JOBS = [("4k", "4k.job"), ("64k", "64k.job"), ("1m", "1m.job"),
        ("256m", "256m.job"), ("256m", "256m-discard.job")]
DEPTHS = [1, 16, 256]
# upload cells: PUT of these bodies into tree/up, by these connections
UPLOADS = ["put-1m", "put-256m"]
UPLOAD_DEPTHS = [1, 16]
# Cells of a fixed number of requests have no ramp_time: each measured
# run of one follows an unmeasured run of the same job on the same server,
# as a ramp would.  For put-256m (4 GiB at 16 connections) this is what
# makes the cell repeatable on the development VM: there, an upload run
# that follows a quiet spell cost ringpushd 1.0-1.2 CPU-s per GiB against
# 0.56-0.77 right after another one (nginx: 0.83 either way), and 4 GiB
# of dd into the tmpfs took 1.8 s after 15 s idle against 1.2 s right
# after another.  Every server gets the same warm-up.
UNTIMED = ["put-256m"]
UPLOAD_TOKEN = "bench-upload-token"     # as in bench/jobs/put-*.job
# put-256m: at least this many uploads per cell (one per connection at
# 16), so that its CPU figure is more than a few clock ticks
PUT_IOS_MIN = 4
LIGHTTPD_WEBDAV = "/usr/lib/lighttpd/mod_webdav.so"
PORT_BASE = 18480
# ringbench's share of its core from which a cell measures the client: one
# thread near a full core cannot go faster, whatever the server could do
CLIENT_LIMIT_PCT = 90


def say(*a):
    print(*a, flush=True)


def make_tree(tree):
    """The file set, made once and kept: random bytes, fixed sizes."""
    os.makedirs(tree, exist_ok=True)
    for name, size in SIZES:
        path = os.path.join(tree, name + ".bin")
        if os.path.exists(path) and os.path.getsize(path) == size:
            continue
        with open(path + ".tmp", "wb") as f:
            left = size
            while left > 0:
                n = min(left, 1 << 22)
                f.write(os.urandom(n))
                left -= n
        os.rename(path + ".tmp", path)
    for name, _ in SIZES:
        warm(tree, name)


def warm(tree, size):
    """Read the file of a cell so that its server starts from a warm page
    cache.  Done before every run, not once: a VM's host may take page
    cache back at any time (measured on the development VM: a quarter of
    an idle 256 MiB file gone within a minute with 22 GiB free), and a
    server that finds part of a body cold then measures the disk path."""
    path = os.path.join(tree, size + ".bin")
    if os.path.exists(path):
        with open(path, "rb") as f:
            while f.read(1 << 22):
                pass


def mount_uploads(up):
    """Upload targets on a tmpfs, for every server alike, so the cells
    measure the servers and not the disk.  Each server's temporary files
    go to up/.tmp (or beside the target), on the same file system, so a
    finished upload is renamed or linked into place, never copied.  Needs
    root; without it the uploads go to the file system of the tree."""
    if os.path.ismount(up):
        return False
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0777", "tmpfs",
                        up], capture_output=True, text=True)
    if r.returncode != 0:
        say(f"bench: no tmpfs for the upload targets ({r.stderr.strip()}): "
            f"uploads go to {up} on its own file system")
        return False
    return True


def umount_uploads(up, mounted):
    if mounted:
        subprocess.run(["umount", up], capture_output=True)


def port_free(port):
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_port(port, proc, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Server:
    def __init__(self, name, argv, port, log):
        self.name, self.argv, self.port, self.log = name, argv, port, log
        self.proc = None

    def start(self, pin):
        logf = open(self.log, "wb")
        argv = (["taskset", "-c", "0"] if pin else []) + self.argv
        self.proc = subprocess.Popen(argv, stdout=logf, stderr=logf,
                                     stdin=subprocess.DEVNULL)
        if not wait_port(self.port, self.proc):
            self.stop()
            return False
        return True

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def servers(build, rundir, tree, wanted):
    """Every server we can run, each on its own free port."""
    found = []
    port = PORT_BASE
    for name in ["floor", "ringpushd", "ringpushd-splice",
                 "ringpushd-sendfile", "ringpushd-auto", "nginx", "lighttpd",
                 "h2o"]:
        if name not in wanted:
            continue
        mine = name.startswith("ringpushd")
        binary = os.path.join(build, "ringpushd" if mine else name) \
            if mine or name == "floor" else shutil.which(name)
        if not binary or not os.access(binary, os.X_OK):
            say(f"bench: {name} not found: skipped")
            continue
        while not port_free(port):
            port += 1
        if name == "floor":
            found.append(Server(name, [binary, "-p", str(port), "-r", tree],
                                port, os.path.join(rundir, "floor.log")))
            port += 1
            continue
        conf = os.path.join(rundir, f"{name}.conf")
        with open(os.path.join(HERE, "ringpushd.conf.in" if mine
                               else f"{name}.conf.in")) as f:
            text = f.read()
        text = text.replace("@PORT@", str(port)).replace("@ROOT@", tree)
        text = text.replace("@RUNDIR@", rundir)
        text = text.replace("@UPTMP@", os.path.join(tree, "up", ".tmp"))
        if name.startswith("ringpushd-"):
            text += f"engine = {name.split('-', 1)[1]}\n"
        if name == "lighttpd" and os.path.exists(LIGHTTPD_WEBDAV):
            # PUT for the put-* cells (lighttpd-mod-webdav)
            text += ('server.modules += ( "mod_webdav" )\n'
                     'server.max-request-size = 1048576\n'
                     'server.upload-dirs = ( "'
                     + os.path.join(tree, "up", ".tmp") + '" )\n'
                     '$HTTP["url"] =~ "^/up/" { webdav.activate = "enable" }\n')
        with open(conf, "w") as f:
            f.write(text)
        argv = {
            "ringpushd": [binary, "-f", "-c", conf],
            "ringpushd-splice": [binary, "-f", "-c", conf],
            "ringpushd-sendfile": [binary, "-f", "-c", conf],
            "ringpushd-auto": [binary, "-f", "-c", conf],
            "nginx": [binary, "-c", conf, "-e",
                      os.path.join(rundir, "nginx-error.log")],
            "lighttpd": [binary, "-D", "-f", conf],
            "h2o": [binary, "-c", conf],
        }[name]
        found.append(Server(name, argv, port,
                            os.path.join(rundir, f"{name}.log")))
        port += 1
    return found


def rb_total(report):
    """The figures of a group_reporting report in fio's schema: fio's read
    direction for rates and clat, ringbench's own object for the rest."""
    job = report["jobs"][0]
    # an upload job's numbers are in fio's write direction
    read = job["write"] if job["write"]["bw_bytes"] > 0 else job["read"]
    t = dict(job["ringbench"])
    t["req_per_s"] = read["iops"]
    t["bw_mibps"] = read["bw_bytes"] / 1048576
    t["clat_ns"] = {"percentiles": read["clat_ns"]["percentile"]}
    return t


def ringbench(build, job, srv, depth, runtime, ramp, pin):
    env = dict(os.environ, BENCH_TARGET=f"127.0.0.1:{srv.port}",
               BENCH_IODEPTH=str(depth), BENCH_RUNTIME=runtime,
               BENCH_RAMP=ramp, BENCH_PUT_IOS=str(max(PUT_IOS_MIN, depth)))
    argv = (["taskset", "-c", "1"] if pin else []) + [
        os.path.join(build, "ringbench"), "--output-format=json",
        "--group_reporting", f"--server_pid={srv.proc.pid}", job]
    r = subprocess.run(argv, env=env, capture_output=True, text=True,
                       timeout=120)
    try:
        return rb_total(json.loads(r.stdout)), None
    except (ValueError, KeyError, IndexError):
        return None, (r.stderr.strip().splitlines() or ["no report"])[-1]


def job_sink(job):
    """The sink= a job file sets (ringbench's default is discard)."""
    with open(job) as f:
        for line in f:
            if line.strip().startswith("sink="):
                return line.split("=", 1)[1].strip()
    return "discard"


def summarise(runs):
    """Medians over the rounds of one server in one cell."""
    def med(key):
        vals = [key(t) for t in runs]
        vals = [v for v in vals if v is not None]
        return statistics.median(vals) if vals else None

    def us_per_req(t):
        c = t.get("server_cpu")
        return c["us_per_request"] if c and t["requests"] > 0 else None

    def s_per_gib(t):
        c = t.get("server_cpu")
        return c["s_per_gib"] if c and t["bytes"] > 0 else None

    out = {
        "rounds": len(runs),
        "req_per_s": med(lambda t: t["req_per_s"]),
        "mib_per_s": med(lambda t: t["bw_mibps"]),
        "p99_us": med(lambda t: t["clat_ns"]["percentiles"]["99.000000"] / 1e3
                      if t["requests"] > 0 else None),
        "server_cpu_us_per_req": med(us_per_req),
        "server_cpu_s_per_gib": med(s_per_gib),
        "errors": sum(t["errors"]["total"] for t in runs),
        "client_cpu_pct": med(lambda t: t["client_cpu"]["usr_pct"] +
                              t["client_cpu"]["sys_pct"]),
    }
    out["client_limited"] = client_limited(out)
    return out


def client_limited(r):
    """True when ringbench, not the server, set the pace of a cell."""
    pct = r.get("client_cpu_pct")
    return pct is not None and pct >= CLIENT_LIMIT_PCT


def fmt(v, spec):
    if v is None:
        width = "".join(ch for ch in spec.split(".")[0] if ch.isdigit())
        return "-".rjust(int(width) if width else 1)
    return format(v, spec)


def is_ref(name):
    """A reference server: neither ours nor the floor."""
    return name != "floor" and not name.startswith("ringpushd")


def best_ref(cell, key, higher_better):
    """(value, name) of the best reference server in a cell, or None."""
    vals = [(r[key], n) for n, r in cell["servers"].items()
            if is_ref(n) and r.get(key)]
    return (max if higher_better else min)(vals) if vals else None


def cost_key(cell):
    """What a cell's cost is: CPU per GiB for 256 MiB, else per request."""
    return "server_cpu_s_per_gib" if cell["size"].endswith("256m") \
        else "server_cpu_us_per_req"


def label(cell):
    return f"{cell['size']:>8} {cell['conns']:>5} {cell['sink']:<7}"


def print_table(cells, names):
    head = (f"{'size':>8} {'conns':>5} {'sink':<7} {'server':<18} "
            f"{'req/s':>10} {'MiB/s':>9} {'p99 us':>9} {'cpu us/req':>10} "
            f"{'cpu s/GiB':>9} {'client%':>7} {'errors':>6}")
    say(head)
    say("-" * len(head))
    pad = " " * len(label(cells[0])) if cells else ""
    for cell in cells:
        first = True
        for n in names:
            r = cell["servers"].get(n)
            if r is None:
                continue
            say(f"{label(cell) if first else pad} {n:<18} "
                f"{fmt(r['req_per_s'], '10.0f')} "
                f"{fmt(r['mib_per_s'], '9.1f')} {fmt(r['p99_us'], '9.0f')} "
                f"{fmt(r['server_cpu_us_per_req'], '10.2f')} "
                f"{fmt(r['server_cpu_s_per_gib'], '9.3f')} "
                f"{fmt(r['client_cpu_pct'], '6.0f')}"
                f"{'!' if client_limited(r) else ' '} {r['errors']:>6}")
            first = False
        floor = cell["servers"].get("floor")
        for me in [n for n in names if n.startswith("ringpushd")]:
            mine = cell["servers"].get(me)
            if not mine:
                continue
            parts = []
            keys = [("mib_per_s", True, "MiB/s"),
                    ("server_cpu_s_per_gib", False, "cpu/GiB")] \
                if cell["size"].endswith("256m") else \
                [("req_per_s", True, "req/s"),
                 ("server_cpu_us_per_req", False, "cpu/req")]
            for key, hb, what in keys:
                best = best_ref(cell, key, hb)
                entry = cell.setdefault("ratio", {}).setdefault(me, {})
                entry[key] = None
                if best and mine.get(key):
                    rt = mine[key] / best[0]
                    parts.append(f"{what} {rt:.2f}x {best[1]}")
                    entry[key] = {"ratio": round(rt, 4), "best": best[1]}
                if floor and floor.get(key) and mine.get(key):
                    rt = mine[key] / floor[key]
                    parts.append(f"{rt:.2f}x floor")
                    entry[key + "_floor"] = round(rt, 4)
            if parts:
                say(f"{pad} {me}: " + ", ".join(parts))
        say("")


# What issue-level goals make bench checks, cell by cell: (size, conns,
# sink or None for any, key, comparator, limit, against): against is
# "best" (the best reference server in that cell) or "floor".
TARGETS = [
    ("4k", 16, None, "server_cpu_us_per_req", "<=", 1.10, "floor"),
    ("4k", 16, None, "server_cpu_us_per_req", "<=", 0.85, "best"),
    ("4k", 256, None, "server_cpu_us_per_req", "<=", 1.10, "floor"),
    ("4k", 256, None, "server_cpu_us_per_req", "<=", 0.85, "best"),
    ("4k", 1, None, "server_cpu_us_per_req", "<=", 1.00, "best"),
] + [(size, n, None, "server_cpu_us_per_req", "<=", 0.90, "best")
     for size in ("64k", "1m") for n in (1, 16, 256)] + [
    t for n in (1, 16, 256) for t in (
        ("256m", n, "discard", "mib_per_s", ">=", 1.05, "best"),
        ("256m", n, "discard", "server_cpu_s_per_gib", "<=", 0.90, "best"),
        ("256m", n, "splice", "mib_per_s", ">=", 0.95, "floor"))]
# Uploads: less server CPU per GiB than each reference that takes PUT.
TARGETS += [(size, n, None, "server_cpu_s_per_gib", "<", 1.00, ref)
            for size in UPLOADS for n in UPLOAD_DEPTHS
            for ref in ("nginx", "lighttpd")]

KEY_WORDS = {"server_cpu_us_per_req": "cpu/req",
             "server_cpu_s_per_gib": "cpu/GiB", "mib_per_s": "MiB/s"}


def verdict(cells, me="ringpushd"):
    """Each target against the measured ratio: rows for the table and the
    JSON.  A cell with no figure for either side is 'no data', not met."""
    rows = []
    for size, conns, sink, key, op, limit, against in TARGETS:
        cell = next((c for c in cells if c["size"] == size and
                     c["conns"] == conns and sink in (None, c["sink"])), None)
        mine = cell and cell["servers"].get(me, {}).get(key)
        other, who = None, against
        if cell and against != "best":
            other = cell["servers"].get(against, {}).get(key)
        elif cell:
            best = best_ref(cell, key, op == ">=")
            other, who = best if best else (None, "best")
        rt = mine / other if mine and other else None
        met = None if rt is None else {"<=": rt <= limit, "<": rt < limit,
                                        ">=": rt >= limit}[op]
        rows.append({"size": size, "conns": conns,
                     "sink": sink or (cell["sink"] if cell else "-"),
                     "metric": KEY_WORDS[key], "target": f"{op} {limit:.2f}x",
                     "against": who, "ratio": rt, "met": met})
    return rows


def print_verdict(rows, me="ringpushd"):
    say(f"verdict: {me} against the targets (ratio of medians, one run)")
    say(f"{'size':>8} {'conns':>5} {'sink':<7} {'metric':<8} "
        f"{'target':<8} {'against':<9} {'ratio':>6}  result")
    for r in rows:
        res = "no data" if r["met"] is None else \
            ("met" if r["met"] else "NOT met")
        say(f"{r['size']:>8} {r['conns']:>5} {r['sink']:<7} {r['metric']:<8} "
            f"{r['target']:<8} {r['against']:<9} {fmt(r['ratio'], '6.2f')}  "
            f"{res}")
    met = sum(1 for r in rows if r["met"])
    say(f"verdict: {met} of {len(rows)} targets met")
    say("")


def plot(out, cells, names):
    """Each server's cost (CPU per request; per GiB at 256 MiB) as a ratio
    to the best reference in that cell, on a linear scale with the 1.0
    line: below it is cheaper than every reference server.  The floor is
    one of the series, so the distance to it shows too."""
    if not shutil.which("gnuplot"):
        say("bench: gnuplot not installed: no chart")
        return
    dat = os.path.join(out, "bench.dat")
    with open(dat, "w") as f:
        f.write("cell " + " ".join(names) + "\n")
        for c in cells:
            key = cost_key(c)
            best = best_ref(c, key, False)
            row = [f"{c['size']}/{c['conns']}" +
                   ("/cp" if c["sink"] == "discard" and c["size"] == "256m"
                    else "")]
            for n in names:
                v = (c["servers"].get(n) or {}).get(key)
                row.append(f"{v / best[0]:.4f}" if v and best else "NaN")
            f.write(" ".join(row) + "\n")
    cols = ", ".join(f"'{dat}' using {2 + i}:xtic(1) title '{n}'"
                     for i, n in enumerate(names))
    script = f"""
set terminal pngcairo size 1400,600 noenhanced
set output '{os.path.join(out, "bench.png")}'
set title 'make bench: server CPU per request (per GiB at 256m) / best reference server in the cell (lower is cheaper; size/connections, /cp: receiver copies)'
{HISTOGRAMS}
set yrange [0:*]
set ylabel 'ratio to the best reference'
set xtics rotate by -45
plot {cols}, 1 with lines lw 2 lc rgb 'black' title 'best reference'
"""
    run_gnuplot(script, os.path.join(out, "bench.png"), "bench")


# clustered bars, for both benchmarks' charts
HISTOGRAMS = """set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set grid ytics"""


def run_gnuplot(script, png, who):
    """Run a gnuplot script that writes png; who names the caller."""
    r = subprocess.run(["gnuplot"], input=script, text=True,
                       capture_output=True)
    if r.returncode != 0:
        # pngcairo is optional in gnuplot builds; the png terminal is not
        script = script.replace("pngcairo", "png")
        r = subprocess.run(["gnuplot"], input=script, text=True,
                           capture_output=True)
    if r.returncode == 0:
        say(f"{who}: chart in {png}")
    else:
        say(f"{who}: gnuplot failed: " + r.stderr.strip()[-200:])


def tree_cpu(pid):
    """utime+stime in seconds of pid, its threads and its descendants."""
    tck = os.sysconf("SC_CLK_TCK")
    stats = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(d)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += stats.get(p, (0, 0))[1]
        todo += [c for c, (pp, _) in stats.items() if pp == p]
    return total / tck


def run_wrk(srv, conns, secs, pin):
    """One wrk run: requests/s, client CPU s, server CPU s, requests, wall s."""
    pre = ["taskset", "-c", "1"] if pin else []
    s0, t0 = tree_cpu(srv.proc.pid), time.time()
    p = subprocess.Popen(pre + ["wrk", "-t1", f"-c{conns}", f"-d{secs}s",
                                f"http://127.0.0.1:{srv.port}/4k.bin"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True)
    out = p.stdout.read()
    _, _, ru = os.wait4(p.pid, 0)
    wall, srv_cpu = time.time() - t0, tree_cpu(srv.proc.pid) - s0
    rps = reqs = None
    for line in out.splitlines():
        f = line.split()
        if line.startswith("Requests/sec:"):
            rps = float(f[1])
        elif len(f) > 2 and f[1] == "requests" and f[2] == "in":
            reqs = int(f[0])
    if not rps or not reqs:
        return None
    return {"req_per_s": rps, "client_us_per_req":
            (ru.ru_utime + ru.ru_stime) / reqs * 1e6,
            "client_pct": (ru.ru_utime + ru.ru_stime) / wall * 100,
            "server_pct": srv_cpu / wall * 100}


def run_rb(build, srv, conns, secs, pin):
    t, _ = ringbench(build, os.path.join(HERE, "jobs", "4k.job"), srv, conns,
                     f"{secs}s", "0", pin)
    if not t or t["requests"] == 0:
        return None
    wall = t["elapsed_ns"] / 1e9
    cli = (t["client_cpu"]["usr_s"] + t["client_cpu"]["sys_s"])
    sc = t.get("server_cpu") or {}
    return {"req_per_s": t["req_per_s"],
            "client_us_per_req": cli / t["requests"] * 1e6,
            "client_pct": cli / wall * 100,
            "server_pct": (sc.get("usr_s", 0) + sc.get("sys_s", 0)) / wall
            * 100 if sc else None}


def cheapest(cells, started):
    """The server that needed the least CPU per 4 KiB request at 16
    connections: the one that asks the most of a client."""
    cell = next((c for c in cells if c["size"] == "4k" and c["conns"] == 16),
                None)
    costs = {n: v["server_cpu_us_per_req"] for n, v in
             (cell["servers"].items() if cell else [])
             if v.get("server_cpu_us_per_req") and n != "floor"}
    best = min(costs, key=costs.get) if costs else \
        next(s.name for s in started if s.name != "floor")
    return next(s for s in started if s.name == best)


def client_check(build, srv, runtime, rounds, pin):
    """ringbench beside wrk: same server, 4 KiB file, 64 connections, each
    client on CPU 1, alternating for several rounds.  A one-core server
    can saturate before either client does, so the check reports each
    client's CPU per request and share of its core beside the requests/s:
    the client that needs less CPU per request can drive a faster server
    harder."""
    if not shutil.which("wrk"):
        say("bench: wrk not installed: no client check")
        return None
    secs = max(1, int(float(runtime.rstrip("s"))))
    runs = {"wrk": [], "ringbench": []}
    for rnd in range(rounds):
        order = ["wrk", "ringbench"] if rnd % 2 == 0 else \
            ["ringbench", "wrk"]
        for who in order:
            r = run_wrk(srv, 64, secs, pin) if who == "wrk" else \
                run_rb(build, srv, 64, secs, pin)
            if r:
                runs[who].append(r)
    if not runs["wrk"] or not runs["ringbench"]:
        say("bench: client check: a client produced no result")
        return None
    med = {who: {k: statistics.median(v for v in (x[k] for x in rs)
                                      if v is not None)
                 for k in rs[0]} for who, rs in runs.items()}
    say(f"client check against {srv.name} (4 KiB, 64 connections, each "
        f"client on CPU 1, medians of {rounds} round(s)):")
    for who in ("wrk", "ringbench"):
        m = med[who]
        say(f"  {who:<9} {m['req_per_s']:9.0f} req/s, client "
            f"{m['client_us_per_req']:5.2f} us CPU/request, client "
            f"{m['client_pct']:3.0f}% of its core, server "
            f"{fmt(m['server_pct'], '3.0f')}% of its core")
    w, b = med["wrk"], med["ringbench"]
    say(f"  ringbench drives {b['req_per_s'] / w['req_per_s']:.2f}x wrk's "
        f"req/s; wrk needs {w['client_us_per_req'] / b['client_us_per_req']:.2f}x"
        " ringbench's client CPU per request")
    return {"server": srv.name, "rounds": rounds, "conns": 64,
            "wrk": med["wrk"], "ringbench": med["ringbench"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    quick = os.environ.get("BENCH_QUICK", "0") not in ("", "0")
    rounds = int(os.environ.get("BENCH_ROUNDS", "0") or 0) or \
        (1 if quick else 3)
    runtime = "1s" if quick else "2s"
    ramp = "250ms" if quick else "500ms"
    out = os.path.abspath(os.environ.get("BENCH_OUT",
                                         os.path.join(build, "bench")))
    rundir = os.path.join(out, "run")
    tree = os.path.join(out, "tree")
    os.makedirs(rundir, exist_ok=True)
    wanted = os.environ.get("BENCH_SERVERS",
                            "floor ringpushd nginx lighttpd h2o").split()
    pin = (os.cpu_count() or 1) >= 2
    # BENCH_CELLS="put-1m put-256m": only the cells of these sizes
    only = set(os.environ.get("BENCH_CELLS", "").replace(",", " ").split())
    unknown = only - {size for size, _ in JOBS} - set(UPLOADS)
    if unknown:
        say(f"bench: BENCH_CELLS: no such cell: {' '.join(sorted(unknown))}")
        return 2
    if not pin:
        say("bench: one CPU only: server and client share it, no pinning")

    say("bench: making the file set (4 KiB, 64 KiB, 1 MiB, 256 MiB)")
    make_tree(tree)
    # uploads land in tree/up, writable by servers whose workers drop
    # root (nginx); ringpushd's token file may not be readable by others
    up = os.path.join(tree, "up")
    os.makedirs(up, exist_ok=True)
    up_mounted = mount_uploads(up)
    os.makedirs(os.path.join(up, ".tmp"), exist_ok=True)
    for d in (up, os.path.join(up, ".tmp")):
        os.chmod(d, 0o777)
    tokens = os.path.join(rundir, "tokens")
    with open(os.open(tokens, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
              "w") as f:
        f.write(UPLOAD_TOKEN + "\n")
    os.chmod(tokens, 0o600)
    started = []
    for s in servers(build, rundir, tree, wanted):
        if s.start(pin):
            say(f"bench: {s.name} on 127.0.0.1:{s.port} (pid {s.proc.pid})")
            started.append(s)
        else:
            say(f"bench: {s.name} did not start, skipped (see {s.log})")
    if not started:
        say("bench: no server to measure")
        umount_uploads(up, up_mounted)
        return 0
    names = [s.name for s in started]
    t0 = time.time()
    cells = []
    try:
        plan = [(size, jobfile, DEPTHS) for size, jobfile in JOBS] + \
            [(size, f"{size}.job", UPLOAD_DEPTHS) for size in UPLOADS]
        if only:
            plan = [p for p in plan if p[0] in only]
        for size, jobfile, depths in plan:
            job = os.path.join(HERE, "jobs", jobfile)
            sink = job_sink(job)
            for depth in depths:
                runs = {s.name: [] for s in started}
                for rnd in range(rounds):
                    k = rnd % len(started)
                    for s in started[k:] + started[:k]:
                        warm(tree, size)
                        if size in UNTIMED:
                            ringbench(build, job, s, depth, runtime, ramp,
                                      pin)
                        t, err = ringbench(build, job, s, depth, runtime,
                                           ramp, pin)
                        if t is None:
                            say(f"bench: {size} x{depth} {sink} {s.name}: "
                                f"{err}")
                        else:
                            runs[s.name].append(t)
                cells.append({"size": size, "conns": depth, "sink": sink,
                              "servers": {n: summarise(r)
                                          for n, r in runs.items() if r}})
                say(f"bench: {size} x{depth} {sink} done "
                    f"({time.time() - t0:.0f}s)")
        check = client_check(build, cheapest(cells, started), runtime,
                             rounds, pin) if not only or "4k" in only \
            else None
    finally:
        for s in started:
            s.stop()
        umount_uploads(up, up_mounted)

    say("")
    say(f"make bench: medians of {rounds} round(s) of {runtime} "
        f"(after {ramp} ramp); servers on CPU 0, ringbench on CPU 1; server "
        "CPU = utime+stime of the process, its threads and children; "
        "client% = ringbench's share of its core; marked ! at "
        f"{CLIENT_LIMIT_PCT}% or more: the client, not the server, set the "
        "pace of that row")
    say("")
    print_table(cells, names)
    rows = verdict(cells) if "ringpushd" in names else []
    if only:
        rows = [r for r in rows if r["size"] in only]
    if rows:
        print_verdict(rows)
    result = {
        "format_version": 3,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "quick": quick, "rounds": rounds, "runtime": runtime, "ramp": ramp,
        "servers": names, "cells": cells, "client_check": check,
        "verdict": rows,
    }
    with open(os.path.join(out, "bench.json"), "w") as f:
        json.dump(result, f, indent=1)
    say(f"bench: table as JSON in {os.path.join(out, 'bench.json')}")
    plot(out, cells, names)
    say(f"bench: finished in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
