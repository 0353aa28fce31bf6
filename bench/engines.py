#!/usr/bin/env python3
"""bench/engines.py: the body of `make bench-engines`.

Serves the same files with each transfer engine of ringpushd (copy, mmap,
sendfile, splice, auto), one daemon per engine on its own high loopback
port pinned to CPU 0, and measures each with ringbench pinned to CPU 1:
64 KiB, 1 MiB and 256 MiB bodies at 1 and 16 connections, each cell twice,
with a receiver that copies (sink=discard) and one that does not
(sink=splice), because on loopback the receiver's copy hides what the
sender saves.  Per cell and engine it prints MB/s, server CPU seconds per
GiB, server CPU microseconds per request, the server's context switches
per request (every thread's, io-wq workers included) and the io-wq
worker threads that ran, and last the CPU per GiB as a ratio to copy.  Writes
engines.json and, with gnuplot, engines.png.  Engines take turns in every
round; a cell's figures are medians over the rounds.  A benchmark, not a
test: it never fails on a number.

It reuses bench.py (the file set, the server start, ringbench's report).
Environment: BENCH_QUICK=1 (one round of 1 s), BENCH_ROUNDS=N,
BENCH_OUT=DIR (default build/bench-engines), BENCH_ENGINES="copy mmap ...".
"""
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (the file set, Server, rb_total, fmt)

ENGINES = ["copy", "mmap", "sendfile", "splice", "auto"]
SIZES = [("64k", 65536), ("1m", 1 << 20), ("256m", 256 << 20)]
CONNS = [1, 16]
SINKS = ["discard", "splice"]
say = bench.say


class TaskSampler:
    """Samples /proc/PID/task while a run goes on: the context switches
    of every thread (the last figure seen of a thread that exits before
    the end still counts), and the io-wq workers (iou-wrk-*) that ran:
    those whose switches moved, not the idle ones a previous cell left."""

    def __init__(self, pid, delay, period=0.05):
        self.pid, self.delay, self.period = pid, delay, period
        self.first, self.last = {}, {}
        self.workers = set()
        self.stop_ev = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def sample(self):
        seen = {}
        base = f"/proc/{self.pid}/task"
        try:
            tids = os.listdir(base)
        except OSError:
            return seen
        for tid in tids:
            try:
                with open(f"{base}/{tid}/status") as f:
                    text = f.read()
            except OSError:
                continue
            switches = 0
            for line in text.splitlines():
                if line.startswith("Name:") and \
                        line[len("Name:"):].strip().startswith("iou-wrk"):
                    self.workers.add(tid)
                elif line.startswith(("voluntary_ctxt_switches:",
                                      "nonvoluntary_ctxt_switches:")):
                    switches += int(line.split()[1])
            seen[tid] = switches
        return seen

    def loop(self):
        # ringbench measures after its ramp: so do the switches
        if self.stop_ev.wait(self.delay):
            return
        self.first = self.sample()
        self.last = dict(self.first)
        while not self.stop_ev.wait(self.period):
            self.last.update(self.sample())

    def __enter__(self):
        self.first = self.sample()
        self.last = dict(self.first)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_ev.set()
        self.thread.join()
        self.last.update(self.sample())

    def moved(self, tid):
        return self.last[tid] - self.first.get(tid, 0)

    def switches(self):
        return sum(self.moved(tid) for tid in self.last)

    def busy_workers(self):
        return sum(1 for tid in self.workers
                   if tid in self.last and self.moved(tid) > 1)


def seconds(duration):
    """ringbench's 500ms or 2s, in seconds."""
    if duration.endswith("ms"):
        return float(duration[:-2]) / 1000
    return float(duration.rstrip("s"))


def run_cell(build, srv, size, conns, sink, runtime, ramp, pin):
    """One ringbench run against srv: its report plus the samples."""
    argv = (["taskset", "-c", "1"] if pin else []) + [
        os.path.join(build, "ringbench"), "--output-format=json",
        "--group_reporting", f"--server_pid={srv.proc.pid}",
        "--name=engines", f"--url=127.0.0.1:{srv.port}/{size}.bin",
        "--rw=read", "--time_based", f"--runtime={runtime}",
        f"--ramp_time={ramp}", "--keepalive=on", "--continue_on_error",
        f"--iodepth={conns}", f"--sink={sink}"]
    with TaskSampler(srv.proc.pid, seconds(ramp)) as ts:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    try:
        t = bench.rb_total(json.loads(r.stdout))
    except (ValueError, KeyError, IndexError):
        return None, (r.stderr.strip().splitlines() or ["no report"])[-1]
    t["ctx_switches"] = ts.switches()
    t["iowq_threads"] = ts.busy_workers()
    return t, None


def summarise(runs):
    def med(key):
        vals = [v for v in (key(t) for t in runs) if v is not None]
        return statistics.median(vals) if vals else None

    def cpu(t, what, count):
        c = t.get("server_cpu")
        return c[what] if c and t[count] > 0 else None

    return {
        "rounds": len(runs),
        "mb_per_s": med(lambda t: t["bw_mibps"] * 1048576 / 1e6),
        "req_per_s": med(lambda t: t["req_per_s"]),
        "server_cpu_s_per_gib": med(lambda t: cpu(t, "s_per_gib", "bytes")),
        "server_cpu_us_per_req": med(
            lambda t: cpu(t, "us_per_request", "requests")),
        "ctx_switches_per_req": med(
            lambda t: t["ctx_switches"] / t["requests"] if t["requests"] else None),
        "iowq_threads": max(t["iowq_threads"] for t in runs),
        "errors": sum(t["errors"]["total"] for t in runs),
        "client_cpu_pct": med(lambda t: t["client_cpu"]["usr_pct"] +
                              t["client_cpu"]["sys_pct"]),
    }


def print_table(cells, engines):
    head = (f"{'size':>5} {'conns':>5} {'sink':<8} {'engine':<9} {'MB/s':>8} "
            f"{'cpu s/GiB':>9} {'cpu us/req':>10} {'cs/req':>7} {'io-wq':>5} "
            f"{'client%':>7} {'errors':>6} {'vs copy':>7}")
    say(head)
    say("-" * len(head))
    for cell in cells:
        base = (cell["engines"].get("copy") or {}).get("server_cpu_s_per_gib")
        first = True
        for e in engines:
            r = cell["engines"].get(e)
            if r is None:
                continue
            label = (f"{cell['size']:>5} {cell['conns']:>5} {cell['sink']:<8}"
                     if first else " " * 20)
            first = False
            mine = r["server_cpu_s_per_gib"]
            rel = f"{mine / base:.2f}x" if mine and base else "-"
            r["cpu_per_gib_vs_copy"] = mine / base if mine and base else None
            say(f"{label} {e:<9} {bench.fmt(r['mb_per_s'], '8.0f')} "
                f"{bench.fmt(mine, '9.3f')} "
                f"{bench.fmt(r['server_cpu_us_per_req'], '10.1f')} "
                f"{bench.fmt(r['ctx_switches_per_req'], '7.2f')} "
                f"{r['iowq_threads']:>5} "
                f"{bench.fmt(r['client_cpu_pct'], '6.0f')}"
                f"{'!' if bench.client_limited(r) else ' '} "
                f"{r['errors']:>6} {rel:>7}")
        say("")


def plot(out, cells, engines):
    if not shutil.which("gnuplot"):
        say("bench-engines: gnuplot not installed: no chart")
        return
    panels = []
    for sink in SINKS:
        dat = os.path.join(out, f"engines-{sink}.dat")
        with open(dat, "w") as f:
            f.write("cell " + " ".join(engines) + "\n")
            for c in cells:
                if c["sink"] != sink:
                    continue
                row = [f"{c['size']}/{c['conns']}"]
                for e in engines:
                    v = (c["engines"].get(e) or {}).get("server_cpu_s_per_gib")
                    row.append("NaN" if v is None else f"{v:.4f}")
                f.write(" ".join(row) + "\n")
        cols = ", ".join(f"'{dat}' using {2 + i}:xtic(1) title '{e}'"
                         for i, e in enumerate(engines))
        panels.append(f"set title 'receiver sink={sink}'\nplot {cols}")
    script = f"""
set terminal pngcairo size 1400,900 noenhanced
set output '{os.path.join(out, "engines.png")}'
set multiplot layout 2,1 title 'make bench-engines: server CPU seconds per GiB (file size/connections), lower is better'
{bench.HISTOGRAMS}
set logscale y
set ylabel 'server CPU s/GiB'
{panels[0]}
{panels[1]}
unset multiplot
"""
    bench.run_gnuplot(script, os.path.join(out, "engines.png"), "bench-engines")


def start_servers(build, rundir, tree, engines, pin):
    started = []
    port = bench.PORT_BASE + 100
    with open(os.path.join(HERE, "ringpushd.conf.in")) as f:
        template = f.read()
    for e in engines:
        while not bench.port_free(port):
            port += 1
        conf = os.path.join(rundir, f"ringpushd-{e}.conf")
        with open(conf, "w") as f:
            f.write(template.replace("@PORT@", str(port)).replace(
                "@ROOT@", tree).replace("@RUNDIR@", rundir) +
                f"engine = {e}\n")
        srv = bench.Server(e, [os.path.join(build, "ringpushd"), "-f", "-c",
                               conf], port,
                           os.path.join(rundir, f"ringpushd-{e}.log"))
        if srv.start(pin):
            say(f"bench-engines: {e} on 127.0.0.1:{port} (pid {srv.proc.pid})")
            started.append(srv)
        else:
            say(f"bench-engines: {e} did not start, skipped (see {srv.log})")
        port += 1
    return started


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    quick = os.environ.get("BENCH_QUICK", "0") not in ("", "0")
    rounds = int(os.environ.get("BENCH_ROUNDS", "1" if quick else "2"))
    runtime = "1s" if quick else "2s"
    ramp = "250ms" if quick else "500ms"
    out = os.path.abspath(os.environ.get(
        "BENCH_OUT", os.path.join(build, "bench-engines")))
    rundir = os.path.join(out, "run")
    os.makedirs(rundir, exist_ok=True)
    # the file set of make bench, shared with it
    tree = os.path.join(build, "bench", "tree")
    engines = os.environ.get("BENCH_ENGINES", " ".join(ENGINES)).split()
    pin = (os.cpu_count() or 1) >= 2
    if not pin:
        say("bench-engines: one CPU only: no pinning")
    say("bench-engines: making the file set (64 KiB, 1 MiB, 256 MiB)")
    bench.make_tree(tree)
    started = start_servers(build, rundir, tree, engines, pin)
    if not started:
        say("bench-engines: no server to measure")
        return 0
    names = [s.name for s in started]
    t0 = time.time()
    cells = []
    try:
        for size, _ in SIZES:
            for conns in CONNS:
                for sink in SINKS:
                    runs = {s.name: [] for s in started}
                    for rnd in range(rounds):
                        k = rnd % len(started)
                        for s in started[k:] + started[:k]:
                            t, err = run_cell(build, s, size, conns, sink,
                                              runtime, ramp, pin)
                            if t is None:
                                say(f"bench-engines: {size} x{conns} {sink} "
                                    f"{s.name}: {err}")
                            else:
                                runs[s.name].append(t)
                    cells.append({"size": size, "conns": conns, "sink": sink,
                                  "engines": {n: summarise(r) for n, r in
                                              runs.items() if r}})
                    say(f"bench-engines: {size} x{conns} sink={sink} done "
                        f"({time.time() - t0:.0f}s)")
    finally:
        for s in started:
            s.stop()
    say("")
    say(f"make bench-engines {time.strftime('%Y-%m-%d', time.gmtime())}, "
        f"kernel {platform.release()}: medians of {rounds} round(s) of "
        f"{runtime} (after {ramp} ramp); ringpushd on CPU 0, ringbench on "
        "CPU 1; cpu = utime+stime of the daemon and its threads; cs/req = "
        "context switches of all its threads per request; io-wq = "
        "worker threads that ran; client% marked ! at "
        f"{bench.CLIENT_LIMIT_PCT}% (the client set the pace); vs copy = "
        "cpu s/GiB over copy's")
    say("")
    print_table(cells, names)
    result = {
        "format_version": 1,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "kernel": platform.release(), "cpus": os.cpu_count(),
        "quick": quick, "rounds": rounds, "runtime": runtime, "ramp": ramp,
        "engines": names, "cells": cells,
    }
    with open(os.path.join(out, "engines.json"), "w") as f:
        json.dump(result, f, indent=1)
    say(f"bench-engines: table as JSON in {os.path.join(out, 'engines.json')}")
    plot(out, cells, names)
    say(f"bench-engines: finished in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
