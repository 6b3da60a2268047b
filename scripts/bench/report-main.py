#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench report: ours against stock and dom0-local, from one lab boot.

Usage: report-main.py LAB_OUT RESDIR (run by scripts/bench/bench.sh).
Reads the BENCH lines of LAB_OUT and RESDIR/host.json; writes report.md,
results.json and chart.png into RESDIR.  See Documentation/xen-blk-benchmarks.rst.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

CONFIGS = ["local", "stock-on", "stock-off", "ours-on", "ours-off",
           "oback-on", "ofront-on", "oback-off", "ofront-off",
           "alt-on", "alt-off"]
GUESTS = CONFIGS[1:]
LABEL = {
    "local": "dom0-local",
    "stock-on": "stock pair",
    "stock-off": "stock, persistent off",
    "ours-on": "our pair",
    "ours-off": "ours, persistent off",
    "oback-on": "stock front, our back",
    "ofront-on": "our front, stock back",
    "oback-off": "stock front, our back, persistent off",
    "ofront-off": "our front, stock back, persistent off",
    "alt-on": "our pair, alt parameters",
    "alt-off": "ours, alt parameters, persistent off",
}
# fio terse fields as main.sh prints them
FIO = ["rc", "error", "rbw", "riops", "rlat", "wbw", "wiops", "wlat", "usr",
       "sys", "ctxt", "intr", "evt", "ipi", "firq", "fspur",
       # completion latency, usec (absent in runs before 2026-12-06)
       "rmax", "rp50", "rp99", "rp999", "wmax", "wp50", "wp99", "wp999"]
# the completion latency figures of a run, as report keys
CLAT = [("p50", "median"), ("p99", "99th percentile"),
        ("p999", "99.9th percentile"), ("max", "longest")]
# ratio name -> (numerator, denominator); "stock-best" is the better of
# stock-on and stock-off in the same round
RATIOS = [
    ("ours/stock", "ours-on", "stock-on"),
    ("ours/best stock", "ours-on", "stock-best"),
    ("ours-off/stock-off", "ours-off", "stock-off"),
    ("ours on/off", "ours-on", "ours-off"),
    ("stock on/off", "stock-on", "stock-off"),
    ("ours/dom0", "ours-on", "local"),
    ("stock/dom0", "stock-on", "local"),
    ("ours-off/dom0", "ours-off", "local"),
    ("stock-off/dom0", "stock-off", "local"),
    ("our back/stock (stock front)", "oback-on", "stock-on"),
    ("our front/stock (stock back)", "ofront-on", "stock-on"),
    ("our front/stock (our back)", "ours-on", "oback-on"),
    ("our back/stock, persistent off (stock front)", "oback-off",
     "stock-off"),
    ("our front/stock, persistent off (stock back)", "ofront-off",
     "stock-off"),
    # BENCH_ALT_BACK_PARAMS against our backend's other settings
    ("alt/ours", "alt-on", "ours-on"),
    ("alt/stock", "alt-on", "stock-on"),
    ("alt-off/ours-off", "alt-off", "ours-off"),
    ("alt-off/stock-off", "alt-off", "stock-off"),
]


def num(x):
    try:
        return float(str(x).rstrip("%"))
    except ValueError:
        return None


def describe(d):
    rw, bs, qd, jobs, q = d.split()
    kind = {"randread": "random read", "randwrite": "random write",
            "read": "sequential read", "write": "sequential write"}[rw]
    s = "%s %s, QD%s" % (bs.replace("k", " KiB").replace("M", " MiB"),
                         kind, qd)
    if jobs != "1":
        s += " x %s jobs" % jobs
    return s + ", %s queue%s" % (q, "" if q == "1" else "s")


def delta(a, b, keys):
    try:
        return sum(b[k] - a[k] for k in keys)
    except (KeyError, TypeError):
        return None


def per(a, b):
    if a is None or not b:
        return None
    return a / b


def cpu_fields(line):
    try:
        return [int(x) for x in line.split()][:8]
    except (AttributeError, ValueError):
        return None


def parse_run(rec, profdef, fio_secs):
    f = dict(zip(FIO, rec.get("fio", "").split(";")))
    write = profdef.split()[0] in ("write", "randwrite")
    run = {
        "round": rec["r"], "config": rec["c"], "profile": rec["p"],
        "t": rec.get("t"), "fio_raw": rec.get("fio"),
        "ok": f.get("rc") == "0" and f.get("error") == "0",
        "iops": num(f.get("wiops" if write else "riops", "")),
        "kib_s": num(f.get("wbw" if write else "rbw", "")),
        "lat_us": num(f.get("wlat" if write else "rlat", "")),
        "usr": num(f.get("usr", "")), "sys": num(f.get("sys", "")),
        "fio_kernel_ctxt": num(f.get("ctxt", "")),
        "fio_kernel_intr": num(f.get("intr", "")),
        "fio_kernel_evt": num(f.get("evt", "")),
        "fio_kernel_ipi": num(f.get("ipi", "")),
        "front_irqs": num(f.get("firq", "")),
        "front_spurious": num(f.get("fspur", "")),
        "clat_us": {k: num(f.get(("w" if write else "r") + k, ""))
                    for k, _ in CLAT},
    }
    if not run["ok"]:
        run["iops"] = run["kib_s"] = None
    s0, s1, s2 = rec.get("s0", {}), rec.get("s1", {}), rec.get("s2", {})
    s3 = rec.get("s3", {})
    run["snapshots"] = {"s0": s0, "s1": s1, "s2": s2, "s3": s3}
    dt = delta(s1, s2, ["up"])
    whole_dt = delta(s0, s3, ["up"])
    ios = run["iops"] * fio_secs if run["iops"] and fio_secs else None
    run["cpu"] = {"window_s": dt, "whole_s": whole_dt}
    if dt and dt > 0:
        # dom0's own accounting in the measured window: busy = user, nice,
        # system, irq and softirq; steal = runnable but not run by Xen
        # (USER_HZ ticks, 100 per second).
        c1, c2 = cpu_fields(s1.get("cpu")), cpu_fields(s2.get("cpu"))
        if c1 and c2:
            d = [y - x for x, y in zip(c1, c2)]
            busy = sum(d[i] for i in (0, 1, 2, 5, 6)) / 100.0
            run["cpu"]["dom0_busy_share"] = per(busy, dt)
            run["cpu"]["dom0_steal_share"] = per(d[7] / 100.0, dt)
            if run["iops"]:
                run["cpu"]["dom0_busy_us_per_io"] = per(busy * 1e6,
                                                        run["iops"] * dt)
        if run["iops"]:
            for key, name in (("ctxt", "dom0_ctxt_per_io"),
                              ("intr", "dom0_intr_per_io"),
                              ("evt", "dom0_evt_per_io")):
                run["cpu"][name] = per(delta(s1, s2, [key]), run["iops"] * dt)
    if whole_dt and whole_dt > 0:
        # CPU Xen accounted to each domain over fio's whole life (the
        # snapshots bracket it: xl is too heavy to run while fio runs).
        d0 = delta(s0, s3, ["d0"])
        du = delta(s0, s3, ["du"])
        bk = delta(s0, s3, ["bk"])
        run["cpu"].update({
            "dom0_share": per(d0, whole_dt), "guest_share": per(du, whole_dt),
            "backend_threads_share": per(bk / 100.0 if bk is not None
                                         else None, whole_dt),
            "dom0_us_per_io": per(d0 * 1e6 if d0 is not None else None, ios),
            "guest_us_per_io": per(du * 1e6 if du is not None else None,
                                   ios),
        })
    # counted by the kernel fio ran on over fio's whole life
    for key in ("ctxt", "intr", "evt", "ipi"):
        run["cpu"]["fio_kernel_%s_per_io" % key] = per(
            run["fio_kernel_" + key], ios)
    if "rd_req" in s0:
        req = ("rd_req", "wr_req")
        steady = delta(s1, s2, req)
        whole = delta(s0, s3, req)
        run["backend"] = {
            "requests_steady": steady,
            "requests_per_io": per(steady, run["iops"] * dt
                                   if run["iops"] and dt else None),
            "maps_per_req_steady": per(delta(s1, s2, ["grants_mapped"]),
                                       steady),
            "unmaps_per_req_steady": per(delta(s1, s2, ["grants_unmapped"]),
                                         steady),
            "maps_per_req_run": per(delta(s0, s3, ["grants_mapped"]), whole),
            "unmaps_per_req_run": per(delta(s0, s3, ["grants_unmapped"]),
                                      whole),
            "persistent_grants": s3.get("persistent_grants"),
            "pool_pages": s3.get("pool_pages"),
            "pgrant_hit_rate": per(delta(s1, s2, ["pgrant_hits"]),
                                   delta(s1, s2, ["pgrant_hits",
                                                  "pgrant_misses"])),
            "oo_req": delta(s0, s3, ["oo_req"]),
            "spurious_events_per_req": per(delta(s0, s3, ["spurious_events"]),
                                           delta(s0, s3, req)),
            "eoi_delay_jiffies": delta(s0, s3, ["jiffies_eoi_delayed"]),
            # unmaps retried because a page was still referenced
            "unmaps_deferred": delta(s0, s3, ["unmaps_deferred"]),
            # our backend's polls (poll_us) that found requests or none
            "poll_hits_per_req": per(delta(s0, s3, ["poll_hits"]), whole),
            "poll_misses_per_req": per(delta(s0, s3, ["poll_misses"]),
                                       whole),
            # our frontend's, from its debugfs (0 for the stock one)
            "front_spurious_per_irq": per(run["front_spurious"],
                                          run["front_irqs"]),
        }
    return run


def main():
    if len(sys.argv) != 3:
        print("usage: report-main.py LAB_OUT RESDIR", file=sys.stderr)
        return 2
    out = sys.argv[2]
    recs, badlines = benchlib.load(sys.argv[1])
    host = benchlib.host(out)
    setup = {r["name"]: r["value"] for r in recs if r.get("k") == "setup"}
    profdefs = {r["p"]: r["def"] for r in recs if r.get("k") == "profile"}
    profiles = list(profdefs)
    attaches = [r for r in recs if r.get("k") == "attach"]
    swaps = [r for r in recs if r.get("k") == "swap"]
    problems = [r["what"] for r in recs if r.get("k") == "problem"]
    problems += ["undecodable line: " + b[:200] for b in badlines]
    end = [r for r in recs if r.get("k") == "end"]
    try:
        fio_secs = float(setup.get("runtime_s")) + float(setup.get("ramp_s"))
    except (TypeError, ValueError):
        fio_secs = None
    runs = [parse_run(r, profdefs.get(r["p"], "read 4k 1 1 1"), fio_secs)
            for r in recs if r.get("k") == "run"]
    for r in runs:
        if not r["ok"]:
            problems.append("fio failed: %s %s round %s: %s" %
                            (r["profile"], r["config"], r["round"],
                             r["fio_raw"]))
    rounds = sorted({r["round"] for r in runs})
    configs = [c for c in CONFIGS if any(r["config"] == c for r in runs)]

    def get(p, c, rnd, key="iops"):
        for r in runs:
            if r["profile"] == p and r["config"] == c and r["round"] == rnd:
                return r[key]
        return None

    summary = {}
    for p in profiles:
        s = {"definition": profdefs[p], "configs": {}, "ratios": {},
             "backend": {}}
        for c in configs:
            rs = [r for r in runs if r["profile"] == p and r["config"] == c]
            s["configs"][c] = {
                "iops": benchlib.spread(r["iops"] for r in rs),
                "mib_s": benchlib.spread(r["kib_s"] / 1024 for r in rs
                                         if r["kib_s"] is not None),
                "lat_us": benchlib.spread(r["lat_us"] for r in rs),
                "per_round_iops": [get(p, c, n) for n in rounds],
            }
            for k, _ in CLAT:
                sp = benchlib.spread(r["clat_us"].get(k) for r in rs
                                     if r["ok"])
                if sp:
                    s["configs"][c]["clat_%s_us" % k] = sp
            cpu = [r["cpu"] for r in rs if "cpu" in r]
            if cpu:
                keys = sorted({k for c2 in cpu for k in c2})
                s["configs"][c]["cpu"] = {
                    k: benchlib.spread(c2.get(k) for c2 in cpu)
                    for k in keys}
            be = [r["backend"] for r in rs if "backend" in r]
            if be:
                s["backend"][c] = {k: benchlib.spread(b[k] for b in be)
                                   for k in be[0]}
        for name, a, b in RATIOS:
            vals = []
            for n in rounds:
                x = get(p, a, n)
                if b == "stock-best":
                    ys = [get(p, "stock-on", n), get(p, "stock-off", n)]
                    ys = [y for y in ys if y is not None]
                    y = max(ys) if ys else None
                else:
                    y = get(p, b, n)
                vals.append(x / y if x is not None and y else None)
            sp = benchlib.spread(vals)
            if sp:
                sp["per_round"] = vals
                s["ratios"][name] = sp
        summary[p] = s

    # Where ours is below stock: the median per-round ratio under 1.
    below = []
    for p in profiles:
        for name in ("ours/stock", "ours/best stock", "ours-off/stock-off"):
            sp = summary[p]["ratios"].get(name)
            if sp and sp["median"] < 1.0:
                below.append({"profile": p, "ratio": name,
                              "median": sp["median"], "min": sp["min"],
                              "max": sp["max"]})

    perf = perf_summary(recs, profiles, configs)
    counts = count_summary(recs)
    results = {"host": host, "setup": setup, "profiles": profdefs,
               "rounds": rounds, "summary": summary, "below_stock": below,
               "runs": runs, "attaches": attaches, "swaps": swaps,
               "problems": problems, "complete": bool(end)}
    front = [r for r in recs if r.get("k") == "front"]
    if front:
        results["front"] = front
    if perf:
        results["perf"] = perf
    if counts:
        results["counts"] = counts
        for p in profiles:
            if p in counts:
                summary[p]["per_request"] = counts[p]
    results["verdicts"] = verdicts_of(summary, profiles)
    results["targets"] = [{k: t[k] for k in ("what", "value", "met")}
                          for t in targets_of(summary, profiles, profdefs,
                                              counts)]
    benchlib.write_json(out, results)
    chart = draw(out, profiles, summary)
    write_md(out, host, setup, profiles, profdefs, summary, below, runs,
             attaches, swaps, problems, rounds, configs, chart, bool(end),
             perf_md(perf, configs), recs, counts)
    print("report: %s/report.md" % out)
    return 0


def perf_summary(recs, profiles, configs):
    """Median sample share per symbol, per profile, side and config.

    Only present with BENCH_PERF=1: dom0 and the guest are sampled with
    perf during each measured window; a symbol missing from a round's top
    list counts as 0 in that round.
    """
    perf = [r for r in recs if r.get("k") == "perf"]
    out = {}
    for p in profiles:
        for side in ("dom0", "guest"):
            for c in configs:
                rs = [r for r in perf if r["p"] == p and r["side"] == side
                      and r["c"] == c]
                if not rs:
                    continue
                rounds = sorted({r["r"] for r in rs})
                syms = {}
                for r in rs:
                    syms.setdefault(r["sym"], {})[r["r"]] = r["pct"]
                med = {}
                for sym, by in syms.items():
                    sp = benchlib.spread(by.get(n, 0.0) for n in rounds)
                    med[sym] = sp["median"]
                out.setdefault(p, {}).setdefault(side, {})[c] = med
    return out


def perf_md(perf, configs, top=15):
    """Markdown tables: the hottest symbols, configs side by side."""
    md = []
    if not perf:
        return md
    md.append("## Where the CPU goes (perf, BENCH_PERF=1)")
    md.append("")
    md.append("Median share of perf's cpu-clock samples (250 Hz, every CPU "
              "of that kernel) over the rounds; each column lists its own "
              "hottest symbols, so compare a symbol across columns. "
              "Time spent in Xen itself is not sampled by either kernel "
              "and shows up as the hypercall or the instruction after it. "
              "Sampling costs CPU: the IOPS of this run are not the "
              "benchmark's.")
    md.append("")
    for p in perf:
        for side in perf[p]:
            cols = [c for c in configs if c in perf[p][side]]
            syms = []
            for c in cols:
                best = sorted(perf[p][side][c].items(),
                              key=lambda kv: -kv[1])[:top]
                for sym, _ in best:
                    if sym not in syms:
                        syms.append(sym)
            syms.sort(key=lambda sym: -max(perf[p][side][c].get(sym, 0.0)
                                           for c in cols))
            rows = [[sym] + [benchlib.fmt(perf[p][side][c].get(sym), 1)
                             for c in cols] for sym in syms]
            md.append("### %s, %s" % (p, side))
            md.append("")
            md += benchlib.table(["symbol (% of samples)"] + cols, rows)
            md.append("")
    return md


def draw(out, profiles, summary):
    """Two panels: domU IOPS relative to dom0-local; ours/stock ratios."""
    rows1, rows2 = [], []
    for p in profiles:
        r = summary[p]["ratios"]
        line = [p]
        for name in ("stock/dom0", "stock-off/dom0", "ours/dom0",
                     "ours-off/dom0"):
            sp = r.get(name)
            line += ([sp["median"], sp["min"], sp["max"]] if sp
                     else [0, 0, 0])
        rows1.append(line)
        line = [p]
        for name in ("ours/stock", "ours-off/stock-off", "ours/best stock"):
            sp = r.get(name)
            line += ([sp["median"], sp["min"], sp["max"]] if sp
                     else [0, 0, 0])
        rows2.append(line)
    for name, rows in (("chart-dom0.dat", rows1), ("chart-ratio.dat", rows2)):
        with open(os.path.join(out, name), "w") as f:
            for r in rows:
                f.write(" ".join(str(x) for x in r) + "\n")
    script = """set multiplot layout 2,1
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set boxwidth 0.9
set grid ytics
set key outside right top
set yrange [0:*]
set title "IOPS relative to dom0-local (median per-round ratio, bars: min-max)"
set ylabel "domU / dom0-local"
plot 'chart-dom0.dat' using 2:3:4:xtic(1) title 'stock', \\
     '' using 5:6:7 title 'stock, persistent off', \\
     '' using 8:9:10 title 'ours', \\
     '' using 11:12:13 title 'ours, persistent off'
set title "ours / stock (median per-round ratio, bars: min-max; 1.0 = parity)"
set ylabel "ratio"
plot 'chart-ratio.dat' using 2:3:4:xtic(1) title 'ours/stock', \\
     '' using 5:6:7 title 'ours-off/stock-off', \\
     '' using 8:9:10 title 'ours/better of stock on,off', \\
     1 notitle with lines lw 2 lc rgb 'black'
unset multiplot
"""
    return benchlib.gnuplot(out, script)


def count_summary(recs):
    """Grant hypercalls and notifications per request, from "count" records.

    main.sh counts, in one short extra fio run per profile and
    configuration (round 0), the calls of gnttab_map_refs() and
    gnttab_unmap_refs() in dom0 (one grant-table hypercall each) with the
    grants they carried, the backend's notify_remote_via_irq() calls, the
    frontend's ones in the guest (an EVTCHNOP_send hypercall each) and the
    blkif events each side took; divided here by the blkif requests the
    backend counted in that run.  Returns {profile: {config: figures}}.
    """
    out = {}
    for r in recs:
        if r.get("k") != "count":
            continue
        s0, s1, d0, gu = r.get("s0", {}), r.get("s1", {}), r["d0"], r["gu"]
        req = sum((s1.get(k) or 0) - (s0.get(k) or 0)
                  for k in ("rd_req", "wr_req"))
        f = r.get("fio", "").split(";")
        gevt = int(f[FIO.index("evt")]) if len(f) > FIO.index("evt") and \
            f[FIO.index("evt")].lstrip("-").isdigit() else None
        if req <= 0:
            continue
        x = {
            "requests": req,
            "map_calls": d0["gmap_calls"] / req,
            "map_grants": d0["gmap_grants"] / req,
            "unmap_calls": d0["gunmap_calls"] / req,
            "unmap_grants": d0["gunmap_grants"] / req,
            "back_notify": d0["notify"] / req,
            # None: the guest's kernel could not count its kicks
            "front_notify": (gu["notify"] / req
                             if gu.get("notify") is not None else None),
            "dom0_evt": d0["evt"] / req,
            "guest_evt": gevt / req if gevt is not None else None,
        }
        x["grant_ops"] = x["map_grants"] + x["unmap_grants"]
        x["hypercalls"] = (x["map_calls"] + x["unmap_calls"] +
                           x["back_notify"] + x["front_notify"]
                           if x["front_notify"] is not None else None)
        # our backend's own counters over the same run, as a cross-check
        if "grants_mapped" in s1 and "grants_mapped" in s0:
            x["our_back_mapped"] = (s1["grants_mapped"] -
                                    s0["grants_mapped"]) / req
            x["our_back_unmapped"] = (s1.get("grants_unmapped", 0) -
                                      s0.get("grants_unmapped", 0)) / req
            # grants the LRU dropped (over the cap, or idle past
            # persistent_grant_unused_seconds), not the requests' doing
            if "grants_purged" in s1 and "grants_purged" in s0:
                x["our_back_purged"] = (s1["grants_purged"] -
                                        s0["grants_purged"]) / req
                x["grant_ops_io"] = max(0.0, x["grant_ops"] -
                                        x["our_back_purged"])
        out.setdefault(r["p"], {})[r["c"]] = x
    return out


def count_md(counts, profiles):
    """The per-request table of count_summary(); empty without counts."""
    if not counts:
        return []
    F = benchlib.fmt
    md = ["## Hypercalls and notifications per request", ""]
    rows = []
    for p in profiles:
        for c in CONFIGS:
            x = counts.get(p, {}).get(c)
            if not x:
                continue
            rows.append([p, LABEL[c], F(x["requests"]),
                         "%s / %s" % (F(x["map_calls"], 3),
                                      F(x["map_grants"], 3)),
                         "%s / %s" % (F(x["unmap_calls"], 3),
                                      F(x["unmap_grants"], 3)),
                         F(x["grant_ops"], 3),
                         F(x["back_notify"], 3), F(x["front_notify"], 3),
                         F(x["hypercalls"], 3), F(x["dom0_evt"], 3),
                         F(x["guest_evt"], 3)])
    md += benchlib.table(["profile", "config", "requests",
                          "map hypercalls / grants per req",
                          "unmap hypercalls / grants per req",
                          "grant map+unmap per req",
                          "back notifies/req", "front kicks/req",
                          "these hypercalls/req", "dom0 blkif evt/req",
                          "guest blkif evt/req"], rows)
    md.append("")
    md.append(
        "Counted with kprobes (histogram triggers, nothing traced) in one "
        "extra fio run per profile and configuration in round 0, right "
        "after that profile's timed run and outside the measured windows, divided by the blkif requests the backend "
        "counted in that run: in dom0 the calls of gnttab_map_refs() and "
        "gnttab_unmap_refs() (one grant-table hypercall each, whichever "
        "backend) and the grants they carried, and the backend's "
        "notify_remote_via_irq() calls; in the guest the frontend's "
        "notify_remote_via_irq() calls (either frontend; each is an "
        "EVTCHNOP_send hypercall; granting and revoking a grant costs the "
        "frontend no hypercall). *these hypercalls/req* adds the four: the "
        "grant-table and event-channel hypercalls of the data path, not "
        "the scheduler's or the timers'. *blkif evt/req*: events each side "
        "took on the blkif channels (fewer than the other side's "
        "notifications when they coalesce).")
    md.append("")
    return md


def front_md(recs, profiles, profdefs, summary):
    """The frontends compared: IOPS ratios, grants per request, pool memory.

    From main.sh's "front" records (one per attach): the guest's MemFree
    drop over the attach, our frontend's counters and our backend's.  Empty
    when no attach reported them (older runs).
    """
    F = benchlib.fmt
    S = benchlib.fmt_spread
    fr = [r for r in recs if r.get("k") == "front"]
    if not fr:
        return []
    md = []
    w = md.append
    page = fr[0].get("page", 4096)
    w("## The frontends: ours against stock in %d-byte-page guests" % page)
    w("")
    rows = []
    for p in profiles:
        r = summary[p]["ratios"]
        rows.append([p, describe(profdefs[p]),
                     S(r.get("our front/stock (our back)")),
                     S(r.get("our front/stock (stock back)"))])
    md += benchlib.table(["profile", "what", "our front/stock on our back",
                          "our front/stock on the stock back"], rows)
    w("")
    rows = []
    for c in [c for c in CONFIGS if any(r["c"] == c for r in fr)]:
        rs = [r for r in fr if r["c"] == c]

        def per_req(f):
            return benchlib.spread(f(r) for r in rs)

        def fe(key):
            def get(r):
                x, n = r["fe"].get(key), r["fe"].get("requests")
                return x / n if x is not None and n else None
            return get

        def be_grants(r):
            b = r["be"]
            n = (b.get("rd_req") or 0) + (b.get("wr_req") or 0)
            g = (b.get("pgrant_hits") or 0) + (b.get("pgrant_misses") or 0)
            g = g or b.get("grants_mapped") or 0
            return g / n if n else None

        rows.append([LABEL[c], S(per_req(fe("data_grants"))),
                     S(per_req(fe("grants_reserved"))),
                     S(per_req(be_grants)),
                     S(benchlib.spread(r["fe"].get("pool_bytes") for r in rs),
                       0),
                     S(benchlib.spread(r["be"].get("persistent_grants")
                                       for r in rs), 0),
                     S(benchlib.spread(r.get("memfree_drop_kib")
                                       for r in rs), 0)])
    md += benchlib.table(["config", "data chunks/req (front)",
                          "grants reserved/req (front)",
                          "grants/req (our back)", "pool bytes (front)",
                          "persistent grants (our back)",
                          "guest MemFree drop KiB"], rows)
    w("")
    w("Per attach (every profile of a round plus the warm-up), median "
      "[min–max] over rounds. *data chunks* are the 4 KiB grant-sized "
      "pieces that carry data and *grants reserved* what our frontend set "
      "aside for them (its sysfs counters; the stock frontend has none). "
      "*grants/req* is counted by our backend for whichever frontend it "
      "serves: the grants that arrived on the ring per request, data and "
      "indirect frames (for our frontend it equals what it reserved). The "
      "guest's "
      "MemFree drop, page cache dropped before and after, is what the "
      "attach cost the guest whatever the frontend (mostly its pool of "
      "persistently granted pages).")
    w("")
    return md


# The ratios judged per profile, and the halves without persistent grants
VERDICT_RATIOS = [
    ("ours/stock", "ours/stock"),
    ("ours/best stock", "ours/best stock"),
    ("ours-off/stock-off", "ours-off/stock-off"),
    ("our back/stock, persistent off (stock front)", "our back off"),
    ("our front/stock, persistent off (stock back)", "our front off"),
    ("alt/ours", "alt/ours"),
    ("alt-off/ours-off", "alt-off/ours-off"),
]


def verdict(sp):
    """win, loss or within noise: where the ratio's quartiles lie."""
    if sp["q1"] > 1.0:
        return "win"
    if sp["q3"] < 1.0:
        return "loss"
    return "within noise"


def verdicts_of(summary, profiles):
    """{profile: {ratio: {"verdict", "median", "q1", "q3"}}}."""
    out = {}
    for p in profiles:
        for name, _ in VERDICT_RATIOS:
            sp = summary[p]["ratios"].get(name)
            if sp:
                out.setdefault(p, {})[name] = {
                    "verdict": verdict(sp), "median": sp["median"],
                    "q1": sp["q1"], "q3": sp["q3"]}
    return out


def targets_of(summary, profiles, profdefs, counts):
    """Issue 18's must-show list, each {"what", "value", "met"}."""
    F = benchlib.fmt
    out = []

    def ratio_target(what, name, key, limit, which=None, lowest=True):
        vals = [(summary[p]["ratios"][name][key], p) for p in which or profiles
                if summary[p]["ratios"].get(name)]
        if not vals:
            return
        v, p = min(vals)
        out.append({"what": what, "value": v, "met": v >= limit,
                    "text": "%s: %s (lowest %s, %s)" % (
                        what, "met" if v >= limit else "NOT met", F(v), p)})

    small = [p for p in profiles if profdefs[p].split()[1] == "4k"]
    ratio_target("ours/stock >= 1.5 on the 4 KiB profiles (median)",
                 "ours/stock", "median", 1.5, small)
    ratio_target("ours/stock >= 1.2 on every profile (median)",
                 "ours/stock", "median", 1.2)
    ratio_target("ours/stock lower quartile >= 1.0 on every profile",
                 "ours/stock", "q1", 1.0)
    ratio_target("ours at least the better of stock on/off on every "
                 "profile (median)", "ours/best stock", "median", 1.0)
    ratio_target("ours-off/stock-off >= 1.0 on every profile (median)",
                 "ours-off/stock-off", "median", 1.0)
    ratio_target("our backend without persistent grants >= stock's "
                 "(stock front, median)",
                 "our back/stock, persistent off (stock front)", "median",
                 1.0)
    ratio_target("our frontend without persistent grants >= stock's "
                 "(stock back, median)",
                 "our front/stock, persistent off (stock back)", "median",
                 1.0)
    def at_most(what, text, vals, limit=0.01):
        vals = [x for x in vals if x is not None]
        if not vals:
            return
        v = max(vals)
        out.append({"what": "%s <= %s" % (what, limit), "value": v,
                    "met": v <= limit,
                    "text": text % F(v, 4) + ": " +
                    ("met" if v <= limit else "NOT met")})

    at_most("steady-state grant maps per request with persistent grants on",
            "steady-state grant maps per request with persistent grants on: "
            "at most %s over all runs (target <= 0.01)",
            [x["max"] if x else None for x in
             (summary[p]["backend"].get("ours-on", {}).get(
                 "maps_per_req_steady") for p in profiles)])
    ours = [counts[p]["ours-on"] for p in profiles
            if "ours-on" in (counts or {}).get(p, {})]
    at_most("grant map+unmap operations per request with persistent grants "
            "on (kprobes)",
            "grant map+unmap operations per request with persistent grants "
            "on, counted in dom0 (kprobes): at most %s (target <= 0.01)",
            [c["grant_ops"] for c in ours])
    at_most("the same without the grants our backend's LRU dropped as idle "
            "or over the cap",
            "the same without the grants our backend's LRU dropped as idle "
            "or over the cap (its grants_purged): at most %s",
            [c.get("grant_ops_io") for c in ours])
    return out


def write_md(out, host, setup, profiles, profdefs, summary, below, runs,
             attaches, swaps, problems, rounds, configs, chart, complete,
             perf_lines, recs, counts=None):
    F = benchlib.fmt
    irqmaps = [r for r in recs if r.get("k") == "irqs"]
    S = benchlib.fmt_spread
    md = []
    w = md.append
    w("# make bench: our xen-blkback/xen-blkfront against Debian's stock pair")
    w("")
    full = [n for n in rounds
            if all(any(r["round"] == n and r["config"] == c and
                       r["profile"] == p and r["ok"] for r in runs)
                   for c in configs for p in profiles)]
    w("Run %s, git %s; %d round(s) started, %d complete; wall time of "
      "`make bench` %s s (lab %s s). %s" % (
          host.get("stamp", "?"), host.get("git", "?"), len(rounds),
          len(full),
          host.get("wall_seconds", "?"), host.get("lab_seconds", "?"),
          "Complete." if complete and not problems else
          "**Incomplete or with problems: see the end of the report.**"))
    w("")
    w("All figures come from one lab boot; only ratios between "
      "configurations measured in that boot mean anything (see *What the "
      "lab can and cannot say*).")
    w("")
    w("## Summary: median per-round ratio [min–max] of IOPS")
    w("")
    rows = []
    for p in profiles:
        r = summary[p]["ratios"]
        be = summary[p]["backend"].get("ours-on", {})
        rows.append([p, describe(profdefs[p]), S(r.get("ours/stock")),
                     S(r.get("ours/best stock")),
                     S(r.get("ours-off/stock-off")),
                     S(r.get("ours/dom0")), S(r.get("stock/dom0")),
                     S(be.get("maps_per_req_steady"), 4)])
    md += benchlib.table(["profile", "what", "ours/stock", "ours/best stock",
                          "ours-off/stock-off", "ours domU/dom0",
                          "stock domU/dom0", "grant maps/req (ours)"], rows)
    w("")
    w("*ours/stock*: both pairs at their defaults (persistent grants on). "
      "*ours/best stock*: against the better of stock with and without "
      "persistent grants in the same round. *grant maps/req*: our backend's "
      "grants mapped per request after the ramp (median [min–max]).")
    w("")
    verdicts = verdicts_of(summary, profiles)
    names = [(n, short) for n, short in VERDICT_RATIOS
             if any(n in verdicts.get(p, {}) for p in profiles)]
    if names:
        w("## Verdicts: median (interquartile range) of the per-round ratios")
        w("")
        rows = []
        for p in profiles:
            row = [p]
            for n, _ in names:
                v = verdicts.get(p, {}).get(n)
                row.append("%s %s (%s–%s)" % (v["verdict"], F(v["median"]),
                                              F(v["q1"]), F(v["q3"]))
                           if v else "-")
            rows.append(row)
        md += benchlib.table(["profile"] + [short for _, short in names],
                             rows)
        w("")
        w("*win*: the lower quartile is above 1.0; *loss*: the upper "
          "quartile is below 1.0; *within noise*: 1.0 lies between them.  "
          "*our back off*, *our front off*: our half against the stock one, "
          "the other half stock, persistent grants off (measured only when "
          "BENCH_CONFIGS has oback-off and ofront-off).  *alt/ours*, "
          "*alt-off/ours-off*: our pair with BENCH_ALT_BACK_PARAMS against "
          "our pair with its usual settings (only when BENCH_CONFIGS has "
          "alt-on or alt-off).")
        w("")
    w("## Where ours is below stock")
    w("")
    if below:
        for b in below:
            w("- **%s** (%s): %s median %s, min %s, max %s" % (
                b["profile"], describe(profdefs[b["profile"]]), b["ratio"],
                F(b["median"]), F(b["min"]), F(b["max"])))
        w("")
        w("A median under 1.0 whose max is above 1.0 is within this lab's "
          "noise; one whose max is under 1.0 was below stock in every round.")
    elif not any(summary[p]["ratios"].get(n) for p in profiles
                 for n in ("ours/stock", "ours/best stock",
                           "ours-off/stock-off")):
        w("Not measured: no round has both our pair and a stock pair.")
    else:
        w("Nowhere: every median ratio ours/stock, ours/best stock and "
          "ours-off/stock-off that was measured is at least 1.0.")
    w("")
    targets = [t["text"] for t in targets_of(summary, profiles, profdefs,
                                             counts)]
    if targets:
        w("Targets: " + "; ".join(targets) + ".")
        w("")
    md += count_md(counts, profiles)
    md += front_md(recs, profiles, profdefs, summary)

    w("## Setup")
    w("")
    rows = [
        ["host CPU", "%s, %s cores, %s MiB (shared; load at end %s)" % (
            host.get("host_cpu"), host.get("host_cores"),
            host.get("host_mem_mib"),
            " ".join(host.get("host_load_at_end", [])))],
        ["emulator", "%s, %s, %s emulated CPU(s), %s MiB" % (
            host.get("qemu"), host.get("qemu_accel"), host.get("qemu_cpus"),
            host.get("qemu_mem_mib"))],
        ["clock", host.get("clock", "host time")],
        ["Xen", "%s (package %s), %s pCPU(s), scheduler %s, %s MiB" % (
            setup.get("xen_version"), host.get("xen_package"),
            setup.get("xen_pcpus"), setup.get("xen_scheduler"),
            setup.get("xen_total_mem_mib"))],
        ["dom0", "%s vCPUs, %s MiB, kernel %s" % (
            setup.get("dom0_vcpus"),
            int(setup.get("dom0_mem_kib", "0") or 0) // 1024,
            setup.get("dom0_kernel"))],
        ["guest", "%s, kernel %s (PV, initramfs root), tsc_mode %s" % (
            setup.get("guest"), setup.get("guest_kernel"),
            setup.get("guest_tsc", "Xen's default"))],
        ["dom0 CPU as seen", setup.get("dom0_cpu")],
        ["backing device", "%s; one device, shared by every "
         "configuration (only one uses it at a time)" % setup.get("backing")],
        ["fio", "%s: %s" % (setup.get("fio_version"),
                            setup.get("fio_params"))],
        ["drivers", "ours: git %s; stock: Debian's %s modules; backend "
         "srcversions loaded: %s" % (
             host.get("git"), host.get("lab_kernel", ""),
             ", ".join(sorted({"%s %s" % (x.get("to"), x.get("srcversion"))
                               for x in swaps if x.get("srcversion")}))
             or "-")],
        ["driver swaps", setup.get("swap_method")],
        ["guest interrupts", setup.get("irq_placement", "-")],
        ["guest queues, I/O scheduler", "max_queues=%s; %s" % (
            setup.get("max_queues", "2"),
            "; ".join("%s: %s" % (LABEL.get(c, c), v) for c, v in sorted(
                {r["c"]: r.get("value", "-") for r in recs
                 if r.get("k") == "sched"}.items())) or "-")],
        ["warm-up", setup.get("warm_up", "none")],
        ["fio CPUs", setup.get("fio_cpus", "-")],
        ["rounds", "%s; in each, every profile in every configuration; "
         "group order (dom0-local, stock, ours), on/off order and profile "
         "order rotate per round" % setup.get("rounds")],
    ]
    md += benchlib.table(["", ""], rows)
    w("")
    w("Configurations: *local* = fio in dom0 directly on the null_blk "
      "device (the limit); *stock-on* = a guest through Debian's "
      "xen-blkfront and xen-blkback at their defaults; *ours-on* = the same "
      "guest through our pair; *-off* = the same pair with "
      "`feature_persistent=0` on both ends. Every guest configuration "
      "loads its frontend with `max_queues=2` and is attached once per "
      "round; one-job profiles pin fio to CPU 0 (so they use one queue, "
      "and fio sits on the CPU that takes the event channel's interrupts "
      "in both pairs), the 2-queue profile runs one job per vCPU.")
    w("")

    w("## Per profile")
    for p in profiles:
        s = summary[p]
        w("")
        w("### %s: %s" % (p, describe(profdefs[p])))
        w("")
        rows = []
        for c in configs:
            x = s["configs"].get(c)
            if not x or not x["iops"]:
                continue
            i, m, lat = x["iops"], x["mib_s"], x["lat_us"]
            rows.append([LABEL[c], F(i["min"]), F(i["median"]), F(i["max"]),
                         F(m["min"], 1), F(m["median"], 1), F(m["max"], 1),
                         F(lat["median"] / 1000, 1) if lat else "-",
                         " ".join(F(v) for v in x["per_round_iops"])])
        md += benchlib.table(["config", "IOPS min", "median", "max",
                              "MiB/s min", "median", "max",
                              "mean lat ms", "IOPS per round"], rows)
        rows = []
        for c in configs:
            x = s["configs"].get(c, {})
            if any(x.get("clat_%s_us" % k) for k, _ in CLAT):
                rows.append([LABEL[c]] + [S(x.get("clat_%s_us" % k), 0)
                                          for k, _ in CLAT])
        if rows:
            w("")
            md += benchlib.table(["completion latency, µs (fio clat)"] +
                                 [name for _, name in CLAT], rows)
        w("")
        rows = []
        for name, _, _ in RATIOS:
            sp = s["ratios"].get(name)
            if sp:
                rows.append([name, F(sp["median"]), F(sp["min"]),
                             F(sp["max"]),
                             " ".join(F(v) for v in sp["per_round"])])
        md += benchlib.table(["ratio (per round)", "median", "min", "max",
                              "per round"], rows)
        rows = []
        for c in ("ours-on", "ours-off", "alt-on", "alt-off", "oback-on",
                  "oback-off", "stock-on", "stock-off", "ofront-on",
                  "ofront-off"):
            b = s["backend"].get(c)
            if not b:
                continue
            rows.append([LABEL[c],
                         S(b.get("maps_per_req_steady"), 4),
                         S(b.get("unmaps_per_req_steady"), 4),
                         S(b.get("maps_per_req_run"), 4),
                         S(b.get("persistent_grants"), 0),
                         S(b.get("pool_pages"), 0),
                         S(b.get("oo_req"), 0),
                         S(b.get("spurious_events_per_req"), 3),
                         S(b.get("eoi_delay_jiffies"), 0),
                         S(b.get("unmaps_deferred"), 0),
                         S(b.get("poll_hits_per_req"), 3),
                         S(b.get("poll_misses_per_req"), 3),
                         S(b.get("front_spurious_per_irq"), 3)])
        if rows:
            w("")
            md += benchlib.table(["backend (statistics)",
                                  "maps/req steady", "unmaps/req steady",
                                  "maps/req whole run", "persistent grants",
                                  "pool pages", "oo_req",
                                  "spurious evt/req", "EOI delay jiffies",
                                  "unmaps deferred", "polls hit/req",
                                  "polls missed/req", "front spurious/irq"],
                                 rows)
        rows = []
        for c in configs:
            x = s["configs"].get(c, {}).get("cpu")
            if not x:
                continue
            b = s["backend"].get(c, {})
            rows.append([LABEL[c], S(x.get("dom0_busy_us_per_io"), 0),
                         S(x.get("dom0_busy_share")),
                         S(x.get("dom0_steal_share")),
                         S(x.get("dom0_us_per_io"), 0),
                         S(x.get("guest_us_per_io"), 0),
                         S(x.get("dom0_share")), S(x.get("guest_share")),
                         S(x.get("backend_threads_share")),
                         S(x.get("dom0_ctxt_per_io")),
                         S(x.get("fio_kernel_ctxt_per_io")),
                         S(x.get("fio_kernel_intr_per_io")),
                         S(x.get("dom0_evt_per_io")),
                         S(x.get("fio_kernel_evt_per_io")),
                         S(x.get("fio_kernel_ipi_per_io")),
                         S(b.get("requests_per_io"))])
        if rows:
            w("")
            md += benchlib.table(["CPU",
                                  "dom0 busy µs/IO", "dom0 busy share",
                                  "dom0 steal share",
                                  "dom0 µs/IO (Xen)", "guest µs/IO (Xen)",
                                  "dom0 share", "guest share",
                                  "backend threads share",
                                  "dom0 ctxsw/IO", "fio side ctxsw/IO",
                                  "fio side irq/IO", "dom0 blkif evt/IO",
                                  "fio side blkif evt/IO",
                                  "fio side IPI/IO", "backend req/IO"], rows)
    w("")
    w("Backend columns are median [min–max] over the rounds, from "
      "`/sys/bus/xen-backend/devices/vbd-*/statistics/` read before the run, "
      "when the ramp should be over (ramp + 2 s after the start) and "
      "runtime - 3 s later, while fio still runs (the measured window). "
      "*steady* = in that window; *whole run* also includes the ramp "
      "(the first run after an attach maps the frontend's persistent "
      "pages). Grant counters exist only in our backend; the stock backend "
      "shows its request counters only (`oo_req`). *spurious evt/req*, "
      "*EOI delay jiffies*: the xenbus core's late-EOI counters of the "
      "backend device over the whole run (events that found no work; "
      "jiffies their EOI was held back after repeated ones); *unmaps "
      "deferred*: our backend's unmaps retried later because the block "
      "layer still held a page (each waits at least 5 ms); *front "
      "spurious/irq*: the share of our frontend's interrupts that found no "
      "response (its debugfs `rings` file; a frontend's event channel is "
      "backed off after two such in a row). *CPU*: "
      "*dom0 busy* and *steal* come from dom0's `/proc/stat` in the "
      "measured window (busy: user, system, irq and softirq time; steal: "
      "runnable but not run by Xen); the columns marked *Xen* are the "
      "time Xen accounted to dom0's and the guest's vCPUs (`xl vcpu-list`) "
      "and the backend ring threads' ticks over fio's whole run (`xl` costs "
      "seconds of dom0 CPU here, so it runs only before and after fio), "
      "as a share of wall time (of one CPU: with N emulated CPUs the "
      "shares and idle add up to N) and per I/O (fio's IOPS times ramp "
      "plus runtime); "
      "*ctxsw/IO*, *irq/IO*: context switches and interrupts per I/O "
      "of dom0 (measured window) and of the kernel fio ran on (the guest's, "
      "or dom0's for dom0-local; over fio's whole run); *blkif evt/IO*: "
      "events taken on the blkif event channels per I/O (in dom0: the "
      "frontend's kicks; on the fio side: the backend's notifications); "
      "*IPI/IO*: rescheduling and call-function IPIs of the fio side per "
      "I/O; *backend req/IO*: blkif requests per fio I/O (1 MiB I/Os are "
      "split by the frontend's segment limit).")
    w("")

    w("## Negotiated at each attach")
    w("")
    seen = {}
    for a in attaches:
        key = (a["c"], a["q"])
        v = (a.get("queues"), a.get("back_persistent"),
             a.get("front_persistent"), a.get("ring_page_order"),
             a.get("back_max_indirect"))
        seen.setdefault(key, set()).add(v)
    rows = []
    for (c, q), vs in sorted(seen.items()):
        for v in sorted(vs, key=str):
            rows.append([LABEL.get(c, c), q] + list(v))
    md += benchlib.table(["config", "queues asked", "queues", "back "
                          "feature-persistent", "front feature-persistent",
                          "ring-page-order", "back max indirect"], rows)
    w("")
    if irqmaps:
        w("Ring interrupts in the guest, per attach (`irq:name:CPU the "
          "kernel chose>CPU the bench set`): the bench puts ring *i* on "
          "CPU *i*, for both frontends; where the kernel had put them "
          "shows how much placement alone would have varied.")
        w("")
        rows = [[LABEL.get(r["c"], r["c"]), "`%s`" % r.get("map", "")]
                for r in irqmaps]
        md += benchlib.table(["config", "interrupts"], rows)
        w("")
    if swaps:
        w("Backend swaps: %d, %s s each at most." % (
            len(swaps), max(x.get("secs", 0) for x in swaps)))
        w("")

    w("## How to read this report")
    w("")
    w("- Every configuration ran every profile once per round; a ratio is "
      "taken per round (e.g. ours IOPS / stock IOPS in round 2) and the "
      "report gives the median of those ratios with their min and max. A "
      "ratio whose min–max range straddles 1.0 is not a measured "
      "difference in this lab.")
    w("- The per-round IOPS columns show drift: a round that is low for "
      "every configuration was a slow moment of the shared host, not a "
      "driver effect.")
    w("- *domU/dom0-local* says how much of the emulated machine's block "
      "throughput a guest gets through the pair; it is the overhead of the "
      "whole PV path (guest kernel, frontend, grants, event channels, Xen "
      "scheduling, backend) relative to fio on the same device in dom0.")
    w("- *grant maps/req* near 0 means the persistent-grant cache absorbs "
      "every mapping; with persistent grants off it is the segments per "
      "request (each one mapped and unmapped).")
    w("- results.json holds every number: each run's fio fields and "
      "statistics snapshots, the attach records and the summary; "
      "bench.jsonl is what dom0 reported; console.txt is the lab console.")
    w("")
    w("## What the lab can and cannot say")
    w("")
    ncpu = host.get("qemu_cpus") or "?"
    w(("The lab is Xen 4.17 inside QEMU with TCG (software emulation, %s "
       "emulated CPU(s) for Xen, dom0 and the guest together) on a shared "
       "2-core host. Every instruction is emulated, so CPU work is "
       "magnified tens of times relative to I/O, fio itself is CPU-bound, "
       "and timing is distorted: hypercalls, page-table updates (grant "
       "maps, TLB flushes) and memcpy cost differently than on hardware. "
       "It can say: which pair does less work per I/O in the same setting "
       "(a ratio), whether grants are being mapped per request, whether "
       "multi-queue and persistent grants change the work done. It cannot "
       "say: absolute IOPS, latency or bandwidth on real hardware; "
       "anything about parallel scaling (%s emulated CPU(s), each a host "
       "thread on a shared host); the effect of real device latency or "
       "interrupt delivery. Ratios of a few percent are below its noise; "
       "single runs can be 40 %% off, hence the rounds.") % (ncpu, ncpu))
    w("")
    if "instruction counter" in host.get("clock", ""):
        w("This run's clock is QEMU's instruction counter: every emulated "
          "instruction advances the machine's time by the same amount, so "
          "IOPS measure the instructions the whole machine (guest, Xen, "
          "dom0) executes per I/O, and the host's load does not move them "
          "(rounds agree within a few percent). It does not model that "
          "cache misses, TLB refills, IPIs and TLB shootdowns cost more "
          "than other instructions on real hardware: a hypercall, a page-"
          "table update or a copy counts by the instructions it executes.")
        w("")
    if chart:
        w("![IOPS relative to dom0-local and ours/stock](chart.png)")
        w("")
    md += perf_lines
    if problems or not complete:
        w("## Problems")
        w("")
        if not complete:
            w("- the dom0 script did not finish (no end record): the "
              "report covers what was measured before it stopped")
        for p in problems:
            w("- " + p)
        w("")
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    sys.exit(main())
