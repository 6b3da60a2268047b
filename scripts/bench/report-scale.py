#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Report for make bench-scale (seed 001: aggregate IOPS as guests are
# added, persistent grants on and off).
#
#   report-scale.py LAB_OUT RESULTDIR
#
# LAB_OUT holds the lines dom0 reported with lab_out; the "BENCH {json}"
# ones come from tests/lab/bench/scale.sh.  Writes RESULTDIR/report.md,
# results.json and chart.png (if gnuplot is installed).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


def series_name(back, pers):
    return "%s, persistent %s" % (back, "on" if pers else "off")


def chart(curves, maxg, resdir):
    if not curves:
        return False
    dat = os.path.join(resdir, "chart.dat")
    names = sorted(curves)
    with open(dat, "w") as f:
        for n in range(1, maxg + 1):
            f.write("%d %s\n" % (n, " ".join(
                str(curves[s].get(n, "NaN")) for s in names)))
    plots = ", ".join("'%s' using 1:%d with linespoints lw 2 title '%s'" % (
        dat, i + 2, s) for i, s in enumerate(names))
    gp = """set title 'aggregate 4 KiB random-read IOPS, one null\\_blk disk per guest'
set xlabel 'guests'
set ylabel 'IOPS (sum over guests)'
set xtics 1
set yrange [0:*]
set key bottom right
plot %s
""" % plots
    return benchlib.gnuplot(resdir, gp, size="900,520")


def main():
    recs, bad, resdir, m, setup = benchlib.start_report("report-scale.py")
    pts = [r for r in recs if r.get("kind") == "scale"]
    curves = {}
    for r in pts:
        s = series_name(r["back"], r["persistent"])
        curves.setdefault(s, {})[r["guests"]] = r["iops"]
    maxg = max([r["guests"] for r in pts] or [0])

    benchlib.write_json(resdir, {
        "meta": m, "setup": setup, "points": pts,
        "curves": {s: {str(k): v for k, v in c.items()}
                   for s, c in curves.items()},
        "unparsed_lines": bad})
    have_chart = chart(curves, maxg, resdir)

    o = benchlib.report_head("make bench-scale: seed 001, aggregate IOPS "
                             "with 1..%d guests" % maxg, m, setup,
                             dom0=" with 2 vCPUs")
    if setup:
        o.append("Setup: each guest (1 vCPU, 512 MiB) has its own null_blk "
                 "disk; fio %s bs=%s QD%d for %d s in every active guest at "
                 "once; the backend is reloaded with feature_persistent=1 "
                 "or 0 before each round and the guests restarted; rounds "
                 "alternate ours and stock.\n" % (
                     setup["rw"], setup["bs"], setup["qd"], setup["secs"]))
    if not pts:
        o.append("**No measurements were reported**: the lab run failed "
                 "before the first round; see lab.log next to this file.\n")
    else:
        names = sorted(curves)
        o.append("## Aggregate IOPS\n")
        o.append("| series | " + " | ".join(
            "%d guest%s" % (n, "s" if n > 1 else "")
            for n in range(1, maxg + 1)) + " | %d vs 1 |" % maxg)
        o.append("|---|" + "---|" * (maxg + 1))
        for s in names:
            c = curves[s]
            gain = ("%.2fx" % (c[maxg] / c[1])
                    if c.get(1) and c.get(maxg) else "n/a")
            o.append("| %s | " % s + " | ".join(
                str(c.get(n, "-")) for n in range(1, maxg + 1)) +
                " | %s |" % gain)
        o.append("")
        o.append("## Every point\n")
        o.append("| backend | persistent asked | negotiated "
                 "(feature-persistent in xenstore) | guests | IOPS | "
                 "per guest | fio failures |")
        o.append("|---|---|---|---|---|---|---|")
        for r in pts:
            o.append("| %s | %d | %s | %d | %d | %s | %d |" % (
                r["back"], r["persistent"], r["negotiated"], r["guests"],
                r["iops"], ", ".join(str(x) for x in r["per_guest"]),
                r["fio_fail"]))
        o.append("")
    if pts:
        o.append("## Observations (computed from the points above)\n")
        for b in ("ours", "stock"):
            on = curves.get(series_name(b, 1), {})
            off = curves.get(series_name(b, 0), {})
            if on.get(1) and off.get(1):
                o.append("- %s, one guest: persistent grants on give "
                         "%.2fx the IOPS of off." % (b, on[1] / off[1]))
            for pers, c in ((1, on), (0, off)):
                if c.get(1) and c.get(maxg):
                    o.append("- %s: aggregate with %d guests is %.2fx the "
                             "single guest's: %s." % (
                                 series_name(b, pers), maxg,
                                 c[maxg] / c[1],
                                 "it scales" if c[maxg] > 1.1 * c[1] else
                                 "no scaling on this emulated machine"))
        o.append("")
    o.append("## How to read this\n")
    o.append("""- A curve is one backend with persistent grants on or off; the x axis is
  how many guests run fio at the same time, each on its own disk.  Seed
  001's claim is about real SMP hardware: without persistent grants every
  request maps and unmaps its pages, the unmaps cost TLB-flush IPIs that
  grow with dom0's CPUs, and aggregate IOPS stop scaling (the seed saw a
  peak at 5 guests on a 24-vCPU dom0, then a decline).  Persistent grants
  remove the per-request map/unmap, so their curve should stay higher and
  keep rising longer.
- "negotiated" must read 1 where persistent grants were asked and 0 where
  not, otherwise the point does not measure what its row says.
- "N vs 1" is the aggregate at the most guests over the aggregate with
  one guest: 1.0 means no scaling at all, N would be perfect scaling.
""")
    o.append("## What the lab can and cannot say\n")
    o.append("""- With LAB_SMP=%s the whole machine (Xen, dom0's two vCPUs and every
  guest) runs on %s emulated CPU(s) under QEMU TCG.  Adding guests adds
  work to the same CPU, so the aggregate cannot grow much: the curve shows
  how the total is shared and what each mode costs per request, not how a
  multi-core host scales.
- With one emulated CPU there is no second physical CPU to interrupt:
  the mechanism behind seed 001 (unmaps sending TLB-flush IPIs to every
  dom0 CPU, a cost growing with dom0's CPU count) is absent, so its
  decline cannot be reproduced here.  What remains measurable is the
  per-request cost of mapping and unmapping against copying through
  persistently granted pages, under emulation.
- Absolute IOPS are the emulator's; compare curves from the same run only.
  Each point is one %s s run.  Under TCG, with the Xen scheduler sharing
  one CPU among dom0 and the guests, points with several guests vary by
  tens of percent (more when another lab runs on the host): read the
  direction of large differences, not small ones.
""" % (m.get("lab_smp", "1"), m.get("lab_smp", "1"), setup.get("secs", "?")))
    benchlib.finish_report(resdir, o, have_chart and "aggregate IOPS", bad)


if __name__ == "__main__":
    main()
