#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Report for make bench-memory (seed 004: page-pool squeezing under dom0
# memory pressure).
#
#   report-memory.py LAB_OUT RESULTDIR
#
# LAB_OUT holds the lines dom0 reported with lab_out; the "BENCH {json}"
# ones come from tests/lab/bench/memory.sh.  Writes RESULTDIR/report.md,
# results.json and chart.png (if gnuplot is installed).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

SEED = {
    "before": (76672, 185799),
    "after (10 ms)": (212, 3325),
    "1 ms": (852, 6424),
    "10 ms": (212, 3325),
    "100 ms": (203, 3340),
}
# the seed's finding holds if squeezing (10 ms) leaves at most this share
# of the swap traffic seen without it
REPRO_RATIO = 0.5
# Full pools put dom0 under pressure when, without squeezing, they add at
# least this many swapped pages/s to the hog's own rate with empty pools
# (max_buffer_pages 0, same hog, same run) and at least double it.
PRESSURE_PPS = 50


def swaps(r):
    """Pages swapped in and out per second of the hog's window.

    The window runs from the start of the hog's write to the end of its
    reads; writing it takes longer when it swaps, so the counts are
    compared as rates.
    """
    return (r["pswpin"] + r["pswpout"]) / max(r["secs"], 1)


def burst_swaps(r):
    """Pages swapped in and out per second of the fio burst before, as
    table text ("-" for runs that did not record it)."""
    if "burst_secs" not in r:
        return "-"
    return "%.0f" % ((r["burst_pswpin"] + r["burst_pswpout"]) /
                     max(r["burst_secs"], 1))


def mib(kib):
    """KiB as whole MiB for a table; "-" where nothing was read."""
    return "%d" % (kib // 1024) if kib else "-"


def find_all(mem, back, sq, mp):
    return [r for r in mem if r["back"] == back and
            r["squeeze_ms"] == sq and r["max_pages"] == mp]


def find(mem, back, sq, mp):
    """One setting's phases of every round merged: counts and seconds
    summed, MiB/s and IOPS averaged; None if it was not measured."""
    rs = find_all(mem, back, sq, mp)
    if not rs:
        return None
    out = dict(rs[0])
    for k in ("pswpin", "pswpout", "secs", "fio_fail", "burst_pswpin",
              "burst_pswpout", "burst_secs"):
        if k in out:
            out[k] = sum(r[k] for r in rs)
    for k in ("kib_s", "iops"):
        out[k] = sum(r[k] for r in rs) / len(rs)
    out["rounds"] = len(rs)
    return out


def chart(mem, resdir):
    if not mem:
        return False
    dat = os.path.join(resdir, "chart.dat")
    keys = []
    for r in mem:
        k = (r["squeeze_ms"], r["max_pages"])
        if k not in keys:
            keys.append(k)
    with open(dat, "w") as f:
        f.write("# setting ours_in ours_out stock_in stock_out\n")
        for sq, mp in keys:
            row = ["%dms/%d" % (sq, mp)]
            for b in ("ours", "stock"):
                r = find(mem, b, sq, mp)
                row += [str(r["pswpin"]) if r else "0",
                        str(r["pswpout"]) if r else "0"]
            f.write(" ".join(row) + "\n")
    gp = """set title 'dom0 swap traffic per setting (buffer\\_squeeze\\_duration\\_ms / max\\_buffer\\_pages)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'pages swapped in the hog window'
set yrange [0:*]
set xtics rotate by -30
set key top right
plot '%s' using 2:xtic(1) title 'ours pswpin', '' using 3 title 'ours pswpout', \\
     '' using 4 title 'stock pswpin', '' using 5 title 'stock pswpout'
""" % dat
    return benchlib.gnuplot(resdir, gp, size="1000,520")


def main():
    recs, bad, resdir, m, setup = benchlib.start_report("report-memory.py")
    mem = [r for r in recs if r.get("kind") == "mem"]
    cal = [r for r in recs if r.get("kind") == "cal"]
    probe = next((r for r in recs if r.get("kind") == "probe"), None)

    verdict = {}
    for b in ("ours", "stock"):
        base = find(mem, b, 0, 1024)
        sq10 = find(mem, b, 10, 1024)
        empty = find(mem, b, 0, 0)
        if base and sq10:
            ratio = swaps(sq10) / swaps(base) if swaps(base) else None
            # the hog's own rate: measured with empty pools, else the
            # calibration's bound
            hog = swaps(empty) if empty else setup.get("cal_pps", 0)
            quiet = (swaps(base) < hog + PRESSURE_PPS or
                     swaps(base) < 2 * hog)
            verdict[b] = {
                "no_squeeze": swaps(base), "squeeze_10ms": swaps(sq10),
                "empty_pools": hog, "ratio": ratio,
                # no pressure without squeezing: nothing for it to relieve
                "no_pressure": quiet,
                "reproduced": (not quiet and ratio is not None and
                               ratio <= REPRO_RATIO),
            }

    benchlib.write_json(resdir, {"meta": m, "setup": setup, "phases": mem,
                                 "calibration": cal,
                                 "probe": probe, "verdict": verdict,
                                 "unparsed_lines": bad})
    have_chart = chart(mem, resdir)

    o = benchlib.report_head("make bench-memory: seed 004, page-pool "
                             "squeezing under dom0 memory pressure", m,
                             setup, kernel="dom0 kernel")
    ballooned = m.get("lab_dom0_kernel", "debian") != "debian"
    if ballooned:
        o.append("dom0 runs the lab's own build of Debian's linux-source-6.1 "
                 "(tests/lab/host/kernel.sh) without CONFIG_XEN_UNPOPULATED_ALLOC: "
                 "grant pages are ballooned out of dom0's RAM, as on the "
                 "kernel the seed was measured on.  Both backends are built "
                 "for it (stock: that tree's in-tree xen-blkback); the guests "
                 "run Debian's kernel.\n")
    else:
        o.append("dom0 runs Debian's kernel (CONFIG_XEN_UNPOPULATED_ALLOC=y: "
                 "grant pages are not dom0 RAM; see \"How to read this\").\n")
    if setup:
        hx = setup.get("hog_extra_mib", 400)
        o.append("Setup: %d guests x %d null_blk disks (each request "
                 "completed after %s us); each phase is a burst of fio %s "
                 "bs=%s QD%d for %d s in every guest at once (no hog: it "
                 "fills the pools), then, with the guests idle, a tmpfs "
                 "memory hog is written and read in a loop for %s s and "
                 "freed.  Hog: MemAvailable with every pool empty and the "
                 "guests idle %+d MiB, then %s MiB smaller at a time until "
                 "its window swapped at most %s pages/s after a burst with "
                 "empty pools (calibration below).  Swap on %s (%d MiB); "
                 "dom0 MemTotal %d MiB; backend loaded with "
                 "feature_persistent=0 so that every grant goes through the "
                 "page pool.\n" % (
                     setup["guests"], setup["disks_per_guest"],
                     "%d" % (setup["null_nsec"] // 1000)
                     if "null_nsec" in setup else "0",
                     setup["rw"], setup["bs"], setup["qd"], setup["secs"],
                     setup.get("hold", "?"), hx,
                     setup.get("hog_step_mib", "?"), setup.get("cal_pps", "?"),
                     setup["swapdev"], setup["swaptotal_kib"] // 1024,
                     setup["memtotal_kib"] // 1024))
    if not mem:
        o.append("**No measurements were reported**: the lab run failed "
                 "before the first phase; see lab.log next to this file.\n")
    else:
        o.append("## Swap traffic and throughput per setting\n")
        o.append("| backend | round | squeeze ms | max_buffer_pages | "
                 "guests MiB/s | guests IOPS | fio failures | burst swapped "
                 "pages/s | pool pages after burst | dom0 reservation after "
                 "burst MiB | pswpin | pswpout | hog window s | swapped "
                 "pages/s | squeezes | pool pages at end | MemFree MiB | "
                 "dom0 reservation MiB |")
        o.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")

        def ourstat(r, k):
            return r.get(k, "-") if r["back"] == "ours" else "n/a"
        for r in mem:
            o.append("| %s | %s | %d | %d | %.1f | %d | %d | %s | %s | %s | "
                     "%d | %d | %d | %.0f | %s | %s | %d | %s |" % (
                         r["back"], r.get("round", 1),
                         r["squeeze_ms"], r["max_pages"],
                         r["kib_s"] / 1024.0, r["iops"], r["fio_fail"],
                         burst_swaps(r),
                         ourstat(r, "pool_after_burst"),
                         mib(r.get("balloon_after_burst_kib", 0)),
                         r["pswpin"], r["pswpout"], r["secs"], swaps(r),
                         ourstat(r, "squeezes"), ourstat(r, "pool_pages"),
                         r["memfree_kib"] // 1024,
                         mib(r.get("balloon_kib", 0))))
        o.append("")
        keys = []
        for r in mem:
            k = (r["back"], r["squeeze_ms"], r["max_pages"])
            if k not in keys:
                keys.append(k)
        o.append("Every round merged (counts and seconds summed):\n")
        o.append("| backend | squeeze ms | max_buffer_pages | rounds | "
                 "pswpin | pswpout | swapped pages/s | burst swapped "
                 "pages/s | guests MiB/s (mean) | fio failures |")
        o.append("|---|---|---|---|---|---|---|---|---|---|")
        for b, sq, mp in keys:
            r = find(mem, b, sq, mp)
            o.append("| %s | %d | %d | %d | %d | %d | %.0f | %s | %.1f | %d |"
                     % (b, sq, mp, r["rounds"], r["pswpin"], r["pswpout"],
                        swaps(r), burst_swaps(r),
                        r["kib_s"] / 1024.0, r["fio_fail"]))
        o.append("")
        o.append("pswpin/pswpout: pages swapped in/out in dom0 in the hog's "
                 "window (/proc/vmstat deltas, from the start of its write to "
                 "the end of its reads); swapped pages/s: their sum over the "
                 "window's length, the figure compared.  burst swapped "
                 "pages/s: the same during the fio burst before it (no hog). "
                 " squeezes: memory-pressure callbacks our backend received "
                 "during the phase (summed over its vbds); pool pages: free "
                 "pages in our pools right after the burst and at the end; "
                 "dom0 reservation: the balloon driver's current_kb (pages "
                 "ballooned out for the pools are not in it until the "
                 "balloon gives them back), which shows the stock backend's "
                 "pools too.  The stock backend exposes no pool or squeeze "
                 "counter.\n")
    if cal:
        o.append("## Hog calibration (max_buffer_pages 0, no squeezing)\n")
        o.append("| backend | step | hog MiB | pswpin | pswpout | phase s | "
                 "swapped pages/s | guests MiB/s |")
        o.append("|---|---|---|---|---|---|---|---|")
        for r in cal:
            o.append("| %s | %d | %d | %d | %d | %d | %.0f | %.1f |" % (
                r["back"], r.get("round", 1), r["hog_mib"], r["pswpin"],
                r["pswpout"], r["secs"], swaps(r), r["kib_s"] / 1024.0))
        o.append("")
        o.append("Each step is a phase like the measured ones, with the "
                 "pools kept empty; the last step's hog is the one every "
                 "measured phase of that backend ran with.  A step whose "
                 "rate fell to less than half of the one before is "
                 "measured again at the same size.\n")
    if probe:
        filled = probe["pool1"] - probe["pool0"]
        drop = probe["memfree0_kib"] - probe["memfree1_kib"]
        back = probe["memfree2_kib"] - probe["memfree1_kib"]
        o.append("## Does the pool hold dom0 RAM? (our backend, no hog)\n")
        if "xen_scratch" in probe:
            o.append("\"Xen scratch\" (unpopulated) ranges in dom0's "
                     "/proc/iomem after the pools filled: %d.\n" %
                     probe["xen_scratch"])
        bk = probe.get("balloon_kib") or [0, 0, 0]
        bk = [mib(k) for k in bk]
        o.append("| step | pool pages | MemFree MiB | dom0 reservation MiB |")
        o.append("|---|---|---|---|")
        o.append("| pools trimmed to 0 | %d | %d | %s |" % (
            probe["pool0"], probe["memfree0_kib"] // 1024, bk[0]))
        o.append("| after fio, max_buffer_pages 1024 | %d | %d | %s |" % (
            probe["pool1"], probe["memfree1_kib"] // 1024, bk[1]))
        o.append("| max_buffer_pages 0 again | %d | %d | %s |" % (
            probe["pool2"], probe["memfree2_kib"] // 1024, bk[2]))
        o.append("")
        o.append("The pools grew by %d pages (%.1f MiB); MemFree fell by "
                 "%.1f MiB meanwhile (fio, page cache and guests' consoles "
                 "also use memory) and changed by %+.1f MiB when the pools "
                 "were emptied.  If the pool pages were dom0 RAM, emptying them "
                 "would give back about %.1f MiB.\n" % (
                     filled, filled * 4 / 1024.0, drop / 1024.0,
                     back / 1024.0, filled * 4 / 1024.0))
    o.append("## Seed 004 against this run\n")
    o.append("Seed (real hardware, many network volumes, 2019 kernel): "
             "pswpin/pswpout without squeezing 76,672 / 185,799; with "
             "10 ms squeezing 212 / 3,325 (1 ms: 852 / 6,424; 100 ms: "
             "203 / 3,340).\n")
    for b, v in verdict.items():
        if v["no_pressure"]:
            res = [r for r in find_all(mem, b, 0, 1024) if r.get("balloon_kib")]
            o.append("- %s: %.0f swapped pages/s without squeezing, not "
                     "clearly more than the hog alone with empty pools (%.0f; "
                     "pressure needs %d more and twice as many): its pools "
                     "did not put dom0 under pressure, so there was nothing "
                     "for squeezing to relieve%s." % (
                         b, v["no_squeeze"], v["empty_pools"], PRESSURE_PPS,
                         "" if not res else
                         " (dom0's reservation after those phases: %s MiB)" %
                         ", ".join("%d" % (r["balloon_kib"] // 1024)
                                   for r in res)))
            continue
        o.append("- %s: pswpin+pswpout %.0f pages/s without squeezing, "
                 "%.0f with 10 ms "
                 "(max_buffer_pages 1024, every round; %.0f with empty "
                 "pools): ratio %s -> seed's finding %s." % (
                     b, v["no_squeeze"], v["squeeze_10ms"], v["empty_pools"],
                     "%.2f" % v["ratio"] if v["ratio"] is not None else "n/a",
                     "REPRODUCED" if v["reproduced"] else "NOT reproduced"))
    if probe and probe["pool1"] > probe["pool0"]:
        filled_mib = (probe["pool1"] - probe["pool0"]) * 4 / 1024.0
        back_mib = (probe["memfree2_kib"] - probe["memfree1_kib"]) / 1024.0
        if back_mib < 0.25 * filled_mib:
            o.append("- why: emptying %.1f MiB of pool pages gave dom0 "
                     "%+.1f MiB (probe above): on this kernel the pool's "
                     "pages are not dom0 RAM, so squeezing them cannot "
                     "relieve dom0's swapping." % (filled_mib, back_mib))
        else:
            o.append("- the probe saw %.1f MiB come back when %.1f MiB of "
                     "pool pages were emptied: the pool does hold dom0 "
                     "RAM here." % (back_mib, filled_mib))
    if not verdict:
        o.append("- no verdict: the phases with squeeze 0 and 10 ms were "
                 "not both measured.")
    o.append("")
    o.append("(Reproduced means squeezing for 10 ms left at most %d%% of "
             "the swap traffic seen without squeezing.)\n" % (
                 REPRO_RATIO * 100))
    o.append("## How to read this\n")
    o.append("""- Every phase runs the same burst and the same hog; only the two
  backend parameters change.  Swap traffic that does not move with the
  parameters comes from the hog, not from the backend.
- The hog comes after the I/O, not during it: a pool grows only to the
  pages that were in flight at once, so under load the requests in
  flight hold about as much memory as full pools, and no squeezing can
  free those.  After the burst the pools keep up to max_buffer_pages free
  pages each, which is the memory the seed's squeezing gives back.
- The seed's effect needs the pool's free pages to be dom0 RAM.  On the
  kernel of the seed they were (pages ballooned out of dom0), and so they
  are on the lab's own dom0 kernel (the default, BENCH_DOM0=ballooned).
  On Debian's 6.1 x86 kernel (BENCH_DOM0=debian,
  CONFIG_XEN_UNPOPULATED_ALLOC=y) grant pages come from unpopulated
  address space (ZONE_DEVICE pages with no RAM behind them), for the stock
  backend and ours alike.  The probe above measures whether emptying the
  pools gives dom0 memory back; "Xen scratch" ranges in /proc/iomem are
  the unpopulated kind.
- max_buffer_pages 0 is the seed's worst case (the pool is always empty,
  every request allocates); compare its MiB/s with 1024 for the
  squeezing cost.
- squeezes > 0 shows the xenbus shrinker called our backend under the
  hog's pressure; pool pages at the end show the pools were emptied.
""")
    o.append("## What the lab can and cannot say\n")
    o.append("""- QEMU TCG emulates every CPU in software, roughly 10-50x slower than
  hardware; dom0, Xen and the guests share the emulated CPU(s).  Absolute
  throughput is the emulator's, not the driver's; only differences between
  settings measured in the same run mean something.  Each setting is a
  %s s burst and a hog window per round: throughput varies by tens of
  percent between identical phases under TCG (more when another lab
  shares the host), swap counts by as much; read large, consistent
  differences only.
- The swap disk is a file on the host seen through virtio; the hog is a
  tmpfs file read in a loop, not the seed's workload.
- The lab cannot reproduce a memory cost the kernel no longer has: if the
  probe shows that emptying the pools frees no RAM, squeezing cannot lower
  swap traffic here, whatever the backend does.
""" % (setup.get("secs", "?")))
    benchlib.finish_report(resdir, o, have_chart and "swap traffic per setting", bad)


if __name__ == "__main__":
    main()
