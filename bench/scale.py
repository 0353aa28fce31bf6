#!/usr/bin/env python3
"""bench/scale.py: the body of `make bench-scale`.

How ringpushd holds up as connections and transfers grow, beside nginx with
one worker on the same files and the same clients.  Four parts:

  idle       1k, 5k and 18k idle keep-alive connections, each of which sent
             one request (GET of a 4 KiB file) and reads nothing more, from
             many 127.x.y.z source addresses: the time to establish them,
             the server's RSS and RSS growth per connection, and the server
             CPU per request of a fresh 4 KiB load (ringbench, 16
             connections) while they are open.  ringpushd and nginx.
  many       100,000 such connections to ringpushd with workers = 6: how
             many were held, refused, reset or closed, and each worker's
             share.
  downloads  1,000 concurrent 1 MiB downloads, then 200 concurrent 100 MiB
             downloads by rate-capped (slow) readers (ringbench,
             verify=sha256 against the local copy), with the default engine
             and with splice: errors and mismatches, the server's peak RSS,
             and peak transfers in flight and pipes in use (/metrics).
  workers    workers = 2 against workers = 1: 4 KiB requests/s and server
             CPU per request, ringbench on a core of its own, and how the
             requests split between the two workers.

A process may hold 20,000 fds here (the hard limit, which cannot be
raised), so the client side of the idle and many parts is several client
processes, each holding at most CLIENT_FDS connections.  The script raises
its own soft fd limit to the hard one, which the servers and clients it
starts inherit.

Environment: BENCH_QUICK=1 (smaller counts: a smoke run of under a minute),
BENCH_PARTS="idle many downloads workers" (the parts to run),
BENCH_SERVERS="ringpushd nginx" (the idle part's servers; the other parts
measure ringpushd), BENCH_IDLE_COUNTS="1000 5000" (the idle part's
connection counts, in place of the defaults), BENCH_OUT=FILE (the JSON results; default
build/bench-scale/scale.json).  A benchmark, not a test: it never fails on
a number.
"""
import argparse
import errno
import json
import math
import multiprocessing
import os
import platform
import resource
import select
import socket
import statistics
import sys
import threading
import time
import urllib.request

import bench
from bench import say

# seconds between opening the connections and reading RSS
SETTLE_S = 2.5
IDLE_COUNTS = [1000, 5000, 18000]
IDLE_COUNTS_QUICK = [500, 2000]
MANY = 100000
MANY_QUICK = 10000
MANY_WORKERS = 6
# connections per client process: below the 20,000 fd limit, with room
# for the process's own files
CLIENT_FDS = 18000
# connections per source address, and connections being set up at once by
# one client process
PER_SOURCE = 100
WINDOW = 256
# Linux: bind() picks no port; connect() picks one unique per 4-tuple
IP_BIND_ADDRESS_NO_PORT = 24
# (downloads at once, file, its size, read rate of all readers together)
DOWNLOADS = [(1000, "1m.bin", 1 << 20, "200m"),
             (200, "100m.bin", 100 << 20, "800m")]
DOWNLOADS_QUICK = [(200, "1m.bin", 1 << 20, "200m"),
                   (20, "100m.bin", 100 << 20, "800m")]
WORKERS_CONNS = 64
REQUEST = b"GET /4k.bin HTTP/1.1\r\nHost: bench\r\n\r\n"


# ---------------------------------------------------------------- servers

def descendants(pid):
    """pid and every live process below it."""
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    parent[int(d)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += [c for c, pp in parent.items() if pp == p]
    return found


def tree_rss(pid):
    """Resident set of pid and its descendants, in bytes."""
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def start(build, rundir, tree, name, pin, workers=1, max_conns=20000,
          engine=None):
    """One server from bench.servers(), its configuration opened up for many
    idle connections: ringpushd with `workers`, /metrics, a long idle
    timeout and `engine` (None: the default), nginx with 20,000 connections
    and fds."""
    found = bench.servers(build, rundir, tree, [name])
    if not found:
        return None
    srv = found[0]
    conf = os.path.join(rundir, f"{name}.conf")
    with open(conf) as f:
        text = f.read()
    if name == "ringpushd":
        text = text.replace("[daemon]\n", f"[daemon]\nworkers = {workers}\n",
                            1)
        text = text.replace("max_connections = 10000\n",
                            f"max_connections = {max_conns}\n"
                            "idle_timeout = 10m\n", 1)
        if engine:
            text += f"engine = {engine}\n"
        # no uploads here: a listener that takes them budgets a second
        # descriptor per connection (the file being written), which would
        # halve the connections 20,000 descriptors hold
        text = "".join(line for line in text.splitlines(True)
                       if not line.startswith("upload"))
        text += "\n[status]\npath = /metrics\n"
    elif name == "nginx":
        text = text.replace("worker_processes 1;",
                            "worker_processes 1;\nworker_rlimit_nofile 20000;")
        text = text.replace("worker_connections 4096;",
                            "worker_connections 20000;")
        text = text.replace("keepalive_timeout 120s;",
                            "keepalive_timeout 600s;")
    with open(conf, "w") as f:
        f.write(text)
    if not srv.start(pin):
        say(f"bench-scale: {name} did not start (see {srv.log})")
        return None
    # every worker listening before anything is measured
    time.sleep(0.5 if workers > 1 else 0.1)
    return srv


def metrics(srv):
    """/metrics of a ringpushd as {series: value}; {} when unreachable."""
    try:
        with urllib.request.urlopen(
                f"http://127.0.0.1:{srv.port}/metrics", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, _, v = line.rpartition(" ")
            try:
                out[k] = float(v)
            except ValueError:
                pass
    return out


def fresh_4k(build, srv, secs, pin):
    """A fresh 4 KiB load (16 connections) beside whatever is open: server
    CPU us per request and requests/s, from ringbench."""
    t, err = bench.ringbench(build, os.path.join(bench.HERE, "jobs", "4k.job"),
                             srv, 16, f"{secs}s", "0", pin)
    if not t or not t.get("requests"):
        say(f"bench-scale: 4 KiB load on {srv.name}: {err}")
        return None, None
    sc = t.get("server_cpu") or {}
    cpu = sc.get("usr_s", 0) + sc.get("sys_s", 0)
    return cpu / t["requests"] * 1e6, t["req_per_s"]


# ---------------------------------------------------------------- clients

def source(proc, k):
    """The source address of a client process's k-th connection."""
    a = k // PER_SOURCE
    return f"127.{16 + proc}.{a // 250}.{1 + a % 250}"


def response_done(buf):
    """A whole response in buf: its status, else None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buf[:end].decode("latin-1").lower()
    length = 0
    for line in head.split("\r\n")[1:]:
        if line.startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    if len(buf) < end + 4 + length:
        return None
    try:
        return int(head.split()[1])
    except (IndexError, ValueError):
        return 0


def client_main(proc, port, conn, pin_cpu):
    """A client process: opens connections on command, each sends one
    request and keeps its connection once answered, and reports."""
    if pin_cpu is not None:
        os.sched_setaffinity(0, {pin_cpu})
    held = []
    made = 0
    while True:
        cmd = conn.recv()
        if cmd[0] == "open":
            conn.send(client_open(proc, port, cmd[1], held, made))
            made += cmd[1]
        elif cmd[0] == "check":
            conn.send(client_check(held))
        else:
            for s in held:
                s.close()
            conn.send("closed")
            return


def client_open(proc, port, n, held, made):
    """Open n connections: each connects, sends REQUEST and waits for its
    whole answer.  Failures by cause."""
    ep = select.epoll()
    pending = {}            # fd: [socket, state, buffer]
    todo, k = n, made
    out = {"held": 0, "refused": 0, "reset": 0, "closed": 0, "status": 0,
           "error": 0, "timeout": 0}
    deadline = time.time() + 60 + n / 500

    def fail(fd, why):
        s = pending.pop(fd)[0]
        ep.unregister(fd)
        s.close()
        out[why] += 1

    while (todo or pending) and time.time() < deadline:
        while todo and len(pending) < WINDOW:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            s.setblocking(False)
            try:
                s.bind((source(proc, k), 0))
                rc = s.connect_ex(("127.0.0.1", port))
            except OSError as e:
                rc = e.errno
            k += 1
            todo -= 1
            if rc not in (0, errno.EINPROGRESS):
                s.close()
                out["refused" if rc == errno.ECONNREFUSED else "error"] += 1
                continue
            pending[s.fileno()] = [s, "connect", b""]
            ep.register(s.fileno(), select.EPOLLOUT)
        for fd, ev in ep.poll(1.0):
            s, state, buf = pending[fd]
            if state == "connect":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    fail(fd, "refused" if err == errno.ECONNREFUSED
                         else "reset" if err == errno.ECONNRESET else "error")
                    continue
                try:
                    s.send(REQUEST)
                except OSError as e:
                    fail(fd, "reset" if e.errno in (errno.ECONNRESET,
                                                     errno.EPIPE) else "error")
                    continue
                pending[fd][1] = "answer"
                ep.modify(fd, select.EPOLLIN)
                continue
            try:
                data = s.recv(65536)
            except OSError as e:
                fail(fd, "reset" if e.errno == errno.ECONNRESET else "error")
                continue
            if not data:
                fail(fd, "closed")
                continue
            buf += data
            pending[fd][2] = buf
            status = response_done(buf)
            if status is None:
                continue
            if status != 200:
                fail(fd, "status")
                continue
            ep.unregister(fd)
            del pending[fd]
            held.append(s)
            out["held"] += 1
    for fd in list(pending):
        fail(fd, "timeout")
    out["timeout"] += todo
    ep.close()
    return out


def client_check(held):
    """Which held connections the server has closed or reset meanwhile
    (readable with nothing, or an error); those are dropped."""
    out = {"held": 0, "reset": 0, "closed": 0}
    keep = []
    p = select.poll()
    for s in held:
        p.register(s.fileno(), select.POLLIN)
    gone = {fd for fd, _ in p.poll(0)}
    for s in held:
        if s.fileno() not in gone:
            keep.append(s)
            continue
        try:
            data = s.recv(4096, socket.MSG_DONTWAIT)
            why = "closed" if not data else None
        except OSError as e:
            why = "reset" if e.errno == errno.ECONNRESET else "closed"
        if why is None:
            keep.append(s)      # bytes nobody asked for: still open
        else:
            out[why] += 1
            s.close()
    held[:] = keep
    out["held"] = len(keep)
    return out


class Clients:
    """Client processes sharing n connections, at most CLIENT_FDS each."""

    def __init__(self, port, n, pin_cpu):
        self.nproc = max(1, math.ceil(n / CLIENT_FDS))
        self.share = [n // self.nproc + (1 if i < n % self.nproc else 0)
                      for i in range(self.nproc)]
        ctx = multiprocessing.get_context("fork")
        self.conns, self.procs = [], []
        for i in range(self.nproc):
            a, b = ctx.Pipe()
            p = ctx.Process(target=client_main, args=(i, port, b, pin_cpu))
            p.start()
            self.conns.append(a)
            self.procs.append(p)

    def ask(self, cmds):
        for c, cmd in zip(self.conns, cmds):
            c.send(cmd)
        return [c.recv() for c in self.conns]

    def open(self):
        """Every process opens its share at once: summed causes, seconds."""
        t0 = time.time()
        got = self.ask([("open", k) for k in self.share])
        return summed(got), time.time() - t0

    def check(self):
        return summed(self.ask([("check",)] * self.nproc))

    def close(self):
        self.ask([("close",)] * self.nproc)
        for p in self.procs:
            p.join(10)


def summed(dicts):
    out = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


def failures(r):
    return ", ".join(f"{v} {k}" for k, v in r.items() if k != "held" and v) \
        or "none failed"


# ---------------------------------------------------------------- parts

def part_idle(build, rundir, tree, names, counts, secs, pin):
    rows = []
    for name in names:
        for n in counts:
            srv = start(build, rundir, tree, name, pin)
            if srv is None:
                break
            try:
                fresh_4k(build, srv, 1, pin)             # warm
                rss0 = tree_rss(srv.proc.pid)
                cl = Clients(srv.port, n, 1 if pin else None)
                r, took = cl.open()
                # settled: ringpushd gives a burst's request buffers back
                # within 2 s (reqbuf_trim), nginx frees its own at once
                time.sleep(SETTLE_S)
                after = cl.check()
                rss = tree_rss(srv.proc.pid)
                cpu, rps = fresh_4k(build, srv, secs, pin)
                still = cl.check()
                cl.close()
            finally:
                srv.stop()
            row = {"server": name, "conns": n, "held": r["held"],
                   "held_after_load": still["held"],
                   "establish_s": took, "rss_start_mb": rss0 / 2**20,
                   "rss_mb": rss / 2**20,
                   "rss_per_conn_kb": (rss - rss0) / max(1, r["held"]) / 1024,
                   "cpu_us_per_req": cpu, "fresh_req_per_s": rps,
                   "open": r, "after_settle": after}
            rows.append(row)
            say(f"bench-scale: idle {name} {n}: {r['held']} held "
                f"({failures(r)}) in {took:.1f}s, RSS {row['rss_mb']:.1f} MB")
    say("")
    say("idle keep-alive connections (each sent one GET of 4 KiB and reads "
        "nothing more), servers on CPU 0, clients on CPU 1; RSS of the "
        "server's processes (ringpushd's at start holds its max_connections "
        "= 20000 slots), read 2.5 s after the last connection opened; per "
        "connection = RSS growth / connections held; "
        "cpu/req = server CPU per request of a fresh 4 KiB load (ringbench, "
        f"16 connections, {secs}s) while they are open; held after = still "
        "open after that load")
    say("")
    say(f"{'server':<10} {'conns':>6} {'held':>6} {'establish':>9} "
        f"{'RSS start':>9} {'RSS':>8} {'per conn':>8} {'cpu/req':>8} "
        f"{'held after':>10}")
    for r in rows:
        say(f"{r['server']:<10} {r['conns']:>6} {r['held']:>6} "
            f"{r['establish_s']:>8.2f}s {r['rss_start_mb']:>6.1f} MB "
            f"{r['rss_mb']:>5.1f} MB {r['rss_per_conn_kb']:>5.2f} KB "
            f"{bench.fmt(r['cpu_us_per_req'], '5.1f'):>5} us "
            f"{r['held_after_load']:>10}")
    say("")
    return rows


def part_many(build, rundir, tree, n):
    per_worker = min(19000, math.ceil(n / MANY_WORKERS * 1.15))
    srv = start(build, rundir, tree, "ringpushd", False, MANY_WORKERS,
                per_worker)
    if srv is None:
        return None
    try:
        rss0 = tree_rss(srv.proc.pid)
        cl = Clients(srv.port, n, None)
        r, took = cl.open()
        time.sleep(SETTLE_S)
        after = cl.check()
        rss = tree_rss(srv.proc.pid)
        m = metrics(srv)
        cl.close()
    finally:
        srv.stop()
    each = [int(m.get(f'ringpushd_worker_connections_open{{worker="{w}"}}',
                      -1)) for w in range(1, MANY_WORKERS + 1)]
    row = {"conns": n, "workers": MANY_WORKERS, "max_connections": per_worker,
           "client_processes": cl.nproc, "open": r, "after_settle": after,
           "establish_s": took, "rss_start_mb": rss0 / 2**20,
           "rss_mb": rss / 2**20,
           "rss_per_conn_kb": (rss - rss0) / max(1, r["held"]) / 1024,
           "per_worker_open": each}
    say("")
    say(f"{n} connections to ringpushd, workers = {MANY_WORKERS}, "
        f"max_connections = {per_worker} per worker, from {cl.nproc} client "
        f"processes")
    say(f"  established in {took:.1f}s: {r['held']} held; {failures(r)}")
    say(f"  {SETTLE_S}s later: {after['held']} held, {after['reset']} reset, "
        f"{after['closed']} closed by the server")
    say(f"  RSS {row['rss_mb']:.0f} MB (at start {row['rss_start_mb']:.0f} "
        f"MB), {row['rss_per_conn_kb']:.2f} KB per connection held")
    say(f"  open per worker (/metrics): {' '.join(map(str, each))}")
    say("")
    return row


class Sampler(threading.Thread):
    """Peak RSS, pipes in use and transfers in flight of a ringpushd while a
    load runs."""

    def __init__(self, srv):
        super().__init__(daemon=True)
        self.srv, self.stop_at = srv, False
        self.rss, self.pipes, self.xfers = 0, 0, 0

    def run(self):
        while not self.stop_at:
            self.rss = max(self.rss, tree_rss(self.srv.proc.pid))
            m = metrics(self.srv)
            self.pipes = max(self.pipes, int(m.get("ringpushd_pipes_used", 0)))
            self.xfers = max(self.xfers, int(m.get(
                "ringpushd_transfers_in_flight", 0)))
            time.sleep(0.2)


def part_downloads(build, rundir, tree, plan, pin):
    rows = []
    # the default engine, then splice, which lends each transfer a pipe
    for engine in (None, "splice"):
        rows += downloads(build, rundir, tree, plan, pin, engine)
    say("")
    say("concurrent downloads, one ringbench with one connection per "
        "download (keepalive=off), all readers together capped at the rate "
        "shown, verify=sha256 against the local copy; peak RSS of ringpushd "
        "(pipe buffers are kernel memory, outside it), peak "
        "ringpushd_transfers_in_flight and ringpushd_pipes_used, sampled "
        "every 0.2s; the files are in the page cache, so the default engine "
        "(auto) sends them with sendfile; a 1 MiB body fits in a loopback "
        "socket's send buffer, so its transfer may end on the server before "
        "its reader reads it")
    say("")
    say(f"{'engine':>8} {'downloads':>9} {'file':>9} {'rate':>5} {'done':>5} "
        f"{'bytes ok':>8} {'errors':>6} {'mismatch':>8} {'time':>6} "
        f"{'RSS peak':>9} {'in flight':>9} {'pipes':>5}")
    for r in rows:
        ok = r["bytes"] == r["requests"] * r["size"]
        say(f"{r['engine']:>8} {r['count']:>9} {r['file']:>9} "
            f"{r['rate_total']:>5} {r['requests']:>5} {'yes' if ok else 'NO':>8} "
            f"{r['errors'].get('total', 0):>6} {r['mismatch']:>8} "
            f"{r['seconds']:>5.1f}s {r['rss_peak_mb']:>6.1f} MB "
            f"{r['in_flight_peak']:>9} {r['pipes_peak']:>5}")
    say("")
    return rows


def downloads(build, rundir, tree, plan, pin, engine):
    rows = []
    srv = start(build, rundir, tree, "ringpushd", pin, engine=engine)
    if srv is None:
        return rows
    try:
        for count, path, size, rate in plan:
            job = os.path.join(rundir, f"dl-{path}.job")
            with open(job, "w") as f:
                f.write(f"""; bench-scale: {count} concurrent downloads of
; {path}, read by slow readers (all of them together at {rate}/s)
[global]
rw=read
keepalive=off
continue_on_error=1
runtime=${{BENCH_RUNTIME}}
verify=sha256
verify_dir={tree}
sink=discard

[dl]
url=${{BENCH_TARGET}}/{path}
iodepth=${{BENCH_IODEPTH}}
number_ios={count}
rate={rate}
""")
            rss0 = tree_rss(srv.proc.pid)
            s = Sampler(srv)
            s.start()
            t0 = time.time()
            t, err = bench.ringbench(build, job, srv, count, "110s", "0", pin)
            took = time.time() - t0
            s.stop_at = True
            s.join()
            if t is None:
                say(f"bench-scale: downloads of {path}: {err}")
                continue
            e, v = t.get("errors", {}), t.get("verify", {})
            row = {"engine": engine or "default", "count": count,
                   "file": path, "size": size,
                   "rate_total": rate, "requests": t["requests"],
                   "bytes": t["bytes"], "errors": e,
                   "verified": v.get("ok"), "mismatch": v.get("mismatch"),
                   "seconds": took, "rss_start_mb": rss0 / 2**20,
                   "rss_peak_mb": s.rss / 2**20, "pipes_peak": s.pipes,
                   "in_flight_peak": s.xfers}
            rows.append(row)
            say(f"bench-scale: {count} x {path} ({row['engine']} engine): "
                f"done in {took:.1f}s")
    finally:
        srv.stop()
    return rows


def worker_requests(m, n):
    return [m.get(f'ringpushd_worker_requests_total{{worker="{w}"}}', 0)
            for w in range(1, n + 1)]


def part_workers(build, rundir, tree, secs, rounds, pin):
    runs = {1: [], 2: []}
    shares = []
    for rnd in range(rounds):
        for n in ([1, 2] if rnd % 2 == 0 else [2, 1]):
            srv = start(build, rundir, tree, "ringpushd", pin, n, 10000)
            if srv is None:
                return None
            try:
                before = worker_requests(metrics(srv), n) if n > 1 else None
                t, err = bench.ringbench(
                    build, os.path.join(bench.HERE, "jobs", "4k.job"), srv,
                    WORKERS_CONNS, f"{secs}s", "250ms", pin)
                if n > 1:
                    after = worker_requests(metrics(srv), n)
                    shares.append([a - b for a, b in zip(after, before)])
            finally:
                srv.stop()
            if t is None or not t.get("requests"):
                say(f"bench-scale: workers = {n}: {err}")
                continue
            sc, cc = t.get("server_cpu") or {}, t["client_cpu"]
            srv_s = sc.get("usr_s", 0) + sc.get("sys_s", 0)
            wall = t["elapsed_ns"] / 1e9
            runs[n].append({"req_per_s": t["req_per_s"],
                            "cpu_us_per_req": srv_s / t["requests"] * 1e6,
                            "server_pct": srv_s / wall * 100,
                            "client_pct": (cc["usr_s"] + cc["sys_s"]) /
                            wall * 100})
    if not runs[1] or not runs[2]:
        return None
    med = {n: {k: statistics.median(r[k] for r in rs) for k in rs[0]}
           for n, rs in runs.items()}
    split = [sum(s[w] for s in shares) for w in range(2)]
    total = sum(split) or 1
    say("")
    say(f"workers = 2 against workers = 1: 4 KiB, {WORKERS_CONNS} "
        f"connections, medians of {rounds} round(s) of {secs}s; server "
        f"{'on CPU 0' if pin else 'unpinned'}, ringbench "
        f"{'on CPU 1' if pin else 'unpinned'}")
    for n in (1, 2):
        say(f"  workers = {n}: {med[n]['req_per_s']:9.0f} req/s, "
            f"{med[n]['cpu_us_per_req']:5.2f} us server CPU/request; server "
            f"{med[n]['server_pct']:3.0f}%, ringbench "
            f"{med[n]['client_pct']:3.0f}% of a core")
    say(f"  ratio 2/1: {med[2]['req_per_s'] / med[1]['req_per_s']:.2f}x "
        f"req/s, {med[2]['cpu_us_per_req'] / med[1]['cpu_us_per_req']:.2f}x "
        f"CPU/request; requests per worker: {split[0] / total * 100:.0f}% / "
        f"{split[1] / total * 100:.0f}%")
    if max(med[1]["server_pct"], med[1]["client_pct"]) < 70:
        say("  (neither the server nor ringbench used most of its core: "
            "other load on the machine set the pace, and the scheduler gives "
            "two workers a larger share of a shared core than one; compare "
            "the CPU per request, not the requests/s)")
    if pin:
        say("  (with 2 cores, the server's workers share CPU 0 while "
            "ringbench has CPU 1: the ratio shows how evenly the kernel "
            "spreads connections and what a second worker costs per "
            "request, not a doubled throughput, which needs a core per "
            "worker and a client on cores of its own)")
    say("")
    return {"conns": WORKERS_CONNS, "rounds": rounds, "secs": secs,
            "pinned": pin, "median": {str(n): v for n, v in med.items()},
            "requests_per_worker": split}


def make_files(tree):
    """bench.py's file set (4 KiB, 64 KiB, 1 MiB, 256 MiB) and 100 MiB."""
    bench.make_tree(tree)
    # nginx's configuration names a directory for its request bodies
    os.makedirs(os.path.join(tree, "up", ".tmp"), exist_ok=True)
    path = os.path.join(tree, "100m.bin")
    if not (os.path.exists(path) and os.path.getsize(path) == 100 << 20):
        with open(path + ".tmp", "wb") as f:
            for _ in range(25):
                f.write(os.urandom(1 << 22))
        os.rename(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    quick = os.environ.get("BENCH_QUICK", "0") not in ("", "0")
    parts = os.environ.get("BENCH_PARTS",
                           "idle many downloads workers").split()
    names = os.environ.get("BENCH_SERVERS", "ringpushd nginx").split()
    work = os.path.join(build, "bench-scale")
    out = os.path.abspath(os.environ.get("BENCH_OUT",
                                         os.path.join(work, "scale.json")))
    rundir, tree = os.path.join(work, "run"), os.path.join(work, "tree")
    os.makedirs(rundir, exist_ok=True)
    pin = (os.cpu_count() or 1) >= 2
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    say(f"bench-scale: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"kernel {platform.release()}, {os.cpu_count()} CPUs, fd limit {hard} "
        f"per process (soft raised from {soft}), load average "
        f"{os.getloadavg()[0]:.1f}; parts: {' '.join(parts)}"
        f"{' (quick)' if quick else ''}")
    say("bench-scale: making the file set")
    make_files(tree)
    t0 = time.time()
    result = {"format_version": 1,
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "kernel": platform.release(), "cpus": os.cpu_count(),
              "fd_limit": hard, "quick": quick, "parts": parts,
              "load_average_start": os.getloadavg()[0]}
    if "idle" in parts:
        counts = [int(n) for n in
                  os.environ.get("BENCH_IDLE_COUNTS", "").split()] or \
            (IDLE_COUNTS_QUICK if quick else IDLE_COUNTS)
        result["idle"] = part_idle(build, rundir, tree, names, counts,
                                   1 if quick else 2, pin)
    if "many" in parts:
        result["many"] = part_many(build, rundir, tree,
                                   MANY_QUICK if quick else MANY)
    if "downloads" in parts:
        result["downloads"] = part_downloads(
            build, rundir, tree, DOWNLOADS_QUICK if quick else DOWNLOADS, pin)
    if "workers" in parts:
        result["workers"] = part_workers(build, rundir, tree,
                                         1 if quick else 3,
                                         1 if quick else 3, pin)
    result["load_average_end"] = os.getloadavg()[0]
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    say(f"bench-scale: results as JSON in {out}")
    say(f"bench-scale: finished in {time.time() - t0:.0f}s, load average "
        f"{result['load_average_end']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
