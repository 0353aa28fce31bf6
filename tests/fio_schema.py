#!/usr/bin/env python3
"""fio_schema.py REPORT [--plus]: check a ringbench json (or json+) report
against the fields fio 3.x writes (stat.c show_thread_status_json and
add_ddir_status_json).  Prints every missing or mistyped field and exits 1;
exits 0 when the report has all of them."""
import json
import sys

NUM = (int, float)
TOP = {"fio version": str, "timestamp": int, "timestamp_ms": int,
       "time": str, "global options": dict, "jobs": list, "disk_util": list}
JOB = {"jobname": str, "groupid": int, "error": int, "eta": int,
       "elapsed": int, "job options": dict, "read": dict, "write": dict,
       "trim": dict, "job_runtime": int, "usr_cpu": NUM, "sys_cpu": NUM,
       "ctx": int, "majf": int, "minf": int, "latency_ns": dict,
       "latency_us": dict, "latency_ms": dict, "ringbench": dict}
DDIR = {"io_bytes": int, "io_kbytes": int, "bw_bytes": int, "bw": int,
        "iops": NUM, "runtime": int, "total_ios": int, "short_ios": int,
        "drop_ios": int, "slat_ns": dict, "clat_ns": dict, "lat_ns": dict,
        "bw_min": int, "bw_max": int, "bw_agg": NUM, "bw_mean": NUM,
        "bw_dev": NUM, "bw_samples": int, "iops_min": int, "iops_max": int,
        "iops_mean": NUM, "iops_stddev": NUM, "iops_samples": int}
LAT = {"min": int, "max": int, "mean": NUM, "stddev": NUM, "N": int}
PERCENTILES = ["1.000000", "5.000000", "10.000000", "20.000000",
               "30.000000", "40.000000", "50.000000", "60.000000",
               "70.000000", "80.000000", "90.000000", "95.000000",
               "99.000000", "99.500000", "99.900000", "99.950000",
               "99.990000"]
BUCKETS = ["2", "4", "10", "20", "50", "100", "250", "500", "750", "1000"]
LAT_TABLES = {"latency_ns": BUCKETS, "latency_us": BUCKETS,
              "latency_ms": BUCKETS + ["2000", ">=2000"]}

# the directions each rw= uses: GETs are reads, PUTs writes
USED = {"read": ("read",), "randread": ("read",), "write": ("write",),
        "randwrite": ("write",), "rw": ("read", "write"),
        "randrw": ("read", "write")}

problems = []


def need(obj, fields, where):
    for key, kind in fields.items():
        if key not in obj:
            problems.append(f"{where}: no {key!r}")
        elif isinstance(obj[key], bool) or not isinstance(obj[key], kind):
            problems.append(f"{where}.{key}: {type(obj[key]).__name__}")


def main():
    plus = "--plus" in sys.argv[2:]
    with open(sys.argv[1]) as f:
        rep = json.load(f)
    need(rep, TOP, "report")
    if not rep.get("fio version", "").startswith("ringbench-"):
        problems.append("fio version does not name ringbench")
    if not rep.get("jobs"):
        problems.append("no jobs")
    for i, job in enumerate(rep.get("jobs", [])):
        need(job, JOB, f"jobs[{i}]")
        used = USED.get(job.get("job options", {}).get("rw", "read"), ())
        for ddir in ("read", "write", "trim"):
            d = job.get(ddir, {})
            need(d, DDIR, f"jobs[{i}].{ddir}")
            for lat in ("slat_ns", "clat_ns", "lat_ns"):
                need(d.get(lat, {}), LAT, f"jobs[{i}].{ddir}.{lat}")
            clat = d.get("clat_ns", {})
            if sorted(clat.get("percentile", {})) != sorted(PERCENTILES):
                problems.append(f"jobs[{i}].{ddir}.clat_ns.percentile keys")
            bins = clat.get("bins")
            if plus and ddir in used:
                if bins is None:
                    problems.append(f"jobs[{i}].{ddir}.clat_ns: no bins")
                elif sum(bins.values()) != clat.get("N"):
                    problems.append(f"jobs[{i}].{ddir}: bins do not sum to N")
                elif not all(k.isdigit() for k in bins):
                    problems.append(f"jobs[{i}].{ddir}: a bin key is not ns")
            elif bins is not None and (not plus or bins):
                problems.append(f"jobs[{i}].{ddir}.clat_ns: unexpected bins")
            if ddir not in used and d.get("total_ios") != 0:
                problems.append(f"jobs[{i}].{ddir}: not zeroed")
            for lat in ("slat_ns", "lat_ns"):
                if d.get(lat, {}).get("N") != d.get("total_ios"):
                    problems.append(f"jobs[{i}].{ddir}.{lat}: N is not "
                                    "total_ios")
        for table, keys in LAT_TABLES.items():
            if list(job.get(table, {})) != keys:
                problems.append(f"jobs[{i}].{table} keys")
        share = sum(sum(job.get(t, {}).values()) for t in LAT_TABLES)
        ios = sum(job.get(d, {}).get("total_ios", 0) for d in used)
        if ios and abs(share - 100) > 0.01:
            problems.append(f"jobs[{i}]: latency tables sum to {share}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
