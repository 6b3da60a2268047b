#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Instructions per I/O, by where they ran (make bench with BENCH_INSN=1).

    report-insn.py RESDIR  >insn.md

RESDIR is a make bench result directory whose insn/ holds what
scripts/bench/bench.sh gathered: the plugin's counts (insn-K.txt, one per
measured window K: "vaddr n_insns execs-cpu0 execs-cpu1", and last
"#spin insns-cpu0 insns-cpu1", the part spent in spin-wait loops), what dom0 left on
its virtio disk (insn/kallsyms: its kernel's text symbols; insn/mods-K:
the text symbols of xen-blkback and null_blk as loaded in window K), the
frontends' .ko files and Xen's symbol map.  bench.jsonl's "insn" records
say which run each window was and where the guest's frontend was loaded.

dom0's vCPUs run on emulated CPU 0 and the guest's on CPU 1 (main.sh pins
them), so a count on CPU 0 is dom0's side: dom0 and Xen working for it.
Every count is divided by the I/Os fio completed in the window (its IOPS
times the window's length by dom0's clock), which under -icount is the
cost of an I/O in instructions: the one unit this lab measures exactly.
Writes RESDIR/insn.json too.  Standard library and binutils' readelf only.
"""

import bisect
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

XEN_LO, XEN_HI = 0xFFFF82D040000000, 0xFFFF82D0C0000000
USER_HI = 1 << 47
MOD_LO = 0xFFFFFFFFC0000000
SIDES = ("dom0", "guest")
REGIONS = {
    "dom0": ["Xen", "kernel", "xen_blkback", "null_blk", "other modules", "user"],
    "guest": ["Xen", "kernel", "xen_blkfront", "other modules", "user"],
}
ORDER = ["local", "stock-on", "ours-on", "stock-off", "ours-off",
         "oback-on", "ofront-on", "oback-off", "ofront-off", "alt-on",
         "alt-off"]
PAIRS = [("ours-on", "stock-on"), ("ours-off", "stock-off"),
         ("oback-off", "stock-off"), ("ofront-off", "stock-off"),
         ("oback-on", "stock-on"), ("ofront-on", "stock-on"),
         ("alt-on", "ours-on"), ("alt-off", "ours-off")]
# A pair's IOPS over stock's can at most be stock's instructions per I/O
# over what the guest spends outside the frontend module: the bound a pair
# would reach if dom0's side and its frontend's own code cost nothing.
CEILINGS = [("ours-on", "stock-on"), ("ours-off", "stock-off")]


class Syms:
    """Sorted (address, name) pairs; a lookup names the closest symbol at
    or below an address, if it is within LIMIT bytes of it."""

    LIMIT = 1 << 16

    def __init__(self, pairs):
        pairs = sorted(pairs)
        self.addr = [a for a, _ in pairs]
        self.name = [n for _, n in pairs]

    def lookup(self, a):
        i = bisect.bisect_right(self.addr, a) - 1
        if i < 0 or a - self.addr[i] > self.LIMIT:
            return None
        return self.name[i]


def read_syms(path, prefix="", hex0x=False):
    """kallsyms-like lines "addr type name [module]"; text symbols only,
    named "module:name" when a module is given, else PREFIX + name."""
    pairs = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                w = line.split()
                if len(w) < 3 or w[1] not in "tTwW":
                    continue
                a = w[0][2:] if hex0x and w[0].startswith("0x") else w[0]
                pre = w[3].strip("[]") + ":" if len(w) > 3 else prefix
                try:
                    pairs.append((int(a, 16), pre + w[2]))
                except ValueError:
                    pass
    except OSError:
        return None
    return Syms(pairs) if pairs else None


def ko_syms(path):
    """The functions of a module's .text as (offset, name), by readelf."""
    try:
        secs = subprocess.run(["readelf", "-SW", path], capture_output=True,
                              text=True, check=True).stdout
        syms = subprocess.run(["readelf", "-sW", path], capture_output=True,
                              text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    text = None
    for line in secs.splitlines():
        line = line.replace("[ ", "[")
        w = line.split()
        if len(w) > 2 and w[0].startswith("[") and w[1] == ".text":
            text = w[0].strip("[]")
    out = []
    for line in syms.splitlines():
        w = line.split()
        # Num: Value Size Type Bind Vis Ndx Name
        if len(w) >= 8 and w[3] == "FUNC" and w[6] == text:
            out.append((int(w[1], 16), w[7]))
    return out


def iops_of(run):
    f = run.get("fio", "").split(";")
    try:
        return float(f[3]) + float(f[6])
    except (IndexError, ValueError):
        return 0.0


def main():
    res = sys.argv[1]
    d = os.path.join(res, "insn")
    recs, _ = benchlib.load(os.path.join(res, "bench.jsonl"))
    runs = {(r["r"], r["c"], r["p"]): r for r in recs if r.get("k") == "run"}
    wins = [r for r in recs if r.get("k") == "insn"]
    kern = read_syms(os.path.join(d, "insn", "kallsyms"), "")
    xen = read_syms(os.path.join(d, "xen.map"), "xen:", hex0x=True)
    kos = {k: ko_syms(os.path.join(d, "%s-xen-blkfront.ko" % k))
           for k in ("ours", "stock")}
    notes = []
    pinned = all("not pinned" not in (r.get("value") or "")
                 for r in recs if r.get("k") == "setup" and r.get("name") == "insn")
    if not pinned:
        notes.append("the vCPUs were not pinned (BENCH_INSN_PIN=0): *dom0* "
                     "is emulated CPU 0 and *guest* CPU 1, whichever domain "
                     "ran there; the totals and Xen's symbols hold, the "
                     "kernel's symbols mix both domains and the modules' "
                     "are named only where their domain happened to run")
    if not kern:
        notes.append("dom0's kernel symbols were not found: the kernel is counted as a whole")
    if not xen:
        notes.append("no Xen symbol map: Xen is counted as a whole")

    # per (config, profile): list over rounds of {side: {region: n}}, {side: {sym: n}}
    data = {}
    old_window = []
    for w in wins:
        path = os.path.join(d, "insn-%d.txt" % w["win"])
        run = runs.get((w["r"], w["c"], w["p"]))
        if not run or not os.path.exists(path):
            notes.append("window %d (%s %s round %d): no counts or no run" %
                         (w["win"], w["c"], w["p"], w["r"]))
            continue
        # The counted window's length as insn-mark read it at the markers;
        # runs before 2026-12-06 have only the snapshots around it, whose
        # interval also holds their own work and the markers' start-up
        # (0.3-0.4 s of a 2 s window): their counts per I/O come out low.
        secs = (w.get("t1") or 0) - (w.get("t0") or 0)
        exact = secs > 0
        if not exact:
            secs = run["s2"]["up"] - run["s1"]["up"]
            if not old_window:
                notes.append("the windows were timed by the snapshots around "
                             "them (a run before 2026-12-06): instructions "
                             "per I/O are low by the snapshots' share of "
                             "that interval, and the time split is not "
                             "meaningful")
                old_window.append(1)
        ios = iops_of(run) * secs
        if ios <= 0:
            continue
        mods = read_syms(os.path.join(d, "insn", "mods-%d" % w["win"]))
        ranges = mod_ranges(os.path.join(d, "insn", "ranges-%d" % w["win"]))
        # the guest's frontend: "kind textaddr coreaddr coresize _textaddr T _text"
        fe = None
        g = (w.get("guest") or "").split()
        if len(g) >= 4:
            kind, text, core, size = g[0], int(g[1], 16), int(g[2], 16), int(g[3])
            fsyms = kos.get(kind)
            fe = (core, core + size,
                  Syms([(text + o, "xen_blkfront:" + n) for o, n in fsyms]) if fsyms else None)
        region = {s: {} for s in SIDES}
        sym = {s: {} for s in SIDES}
        spin = None
        with open(path) as f:
            head = f.readline()
            if pinned and "stop marker on cpu 0" not in head:
                notes.append("window %d: %s (dom0 should be on CPU 0)" % (w["win"], head.strip()))
            for line in f:
                v = line.split()
                if v and v[0] == "#spin":
                    spin = {s: 0 for s in SIDES}
                    for cpu, k in enumerate(v[1:]):
                        spin[SIDES[min(cpu, 1)]] += int(k)
                    continue
                if not v or v[0].startswith("#"):
                    continue
                a, n = int(v[0], 16), int(v[1])
                for cpu, e in enumerate(v[2:]):
                    e = int(e)
                    if not e:
                        continue
                    side = SIDES[min(cpu, 1)]
                    if XEN_LO <= a < XEN_HI:
                        reg, nm = "Xen", (xen.lookup(a) if xen else None) or "xen:?"
                    elif a < USER_HI:
                        reg, nm = "user", "user space"
                    elif a >= MOD_LO:
                        reg, nm = "other modules", "modules:?"
                        if side == "guest" and fe and fe[0] <= a < fe[1]:
                            reg = "xen_blkfront"
                            nm = (fe[2].lookup(a) if fe[2] else None) or "xen_blkfront:?"
                        elif side == "dom0":
                            for m, lo, hi in ranges:
                                if lo <= a < hi:
                                    reg = m
                                    nm = (mods.lookup(a) if mods else None) or m + ":?"
                    else:
                        reg, nm = "kernel", (kern.lookup(a) if kern else None) or "kernel:?"
                    k = n * e
                    region[side][reg] = region[side].get(reg, 0) + k
                    sym[side][nm] = sym[side].get(nm, 0) + k
        per = {s: {k: v / ios for k, v in region[s].items()} for s in SIDES}
        psym = {s: {k: v / ios for k, v in sym[s].items()} for s in SIDES}
        pspin = {s: v / ios for s, v in spin.items()} if spin else None
        data.setdefault((w["c"], w["p"]), []).append((per, psym, iops_of(run), exact, pspin))

    ns = 2 ** int(os.environ.get("LAB_ICOUNT_SHIFT", "4"))
    print(render(data, notes, recs, ns))
    out = {"%s %s" % k: {"rounds": len(v),
                         "per_io": {s: {r: med([x[0][s].get(r, 0) for x in v])
                                        for r in REGIONS[s]} for s in SIDES},
                         "time_us": time_split(v, ns),
                         "spin_per_io": spin_split(v),
                         "guest_outside_frontend": guest_rest(v)}
           for k, v in data.items()}
    with open(os.path.join(res, "insn.json"), "w") as f:
        json.dump({"unit": "instructions per fio I/O", "runs": out, "notes": notes}, f, indent=1)


def mod_ranges(path):
    """(name, start, end) of the modules in a copy of /proc/modules."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                w = line.split()
                if len(w) >= 6:
                    a = int(w[5], 16)
                    out.append((w[0], a, a + int(w[1])))
    except (OSError, ValueError):
        pass
    return out


def time_split(rounds, ns):
    """Median over rounds of an I/O's time, µs: all of it (1 / IOPS), the
    part the machine spent running instructions (each costs ns of the
    instruction-counting clock, whichever CPU runs it, as the emulator runs
    one CPU at a time), and the rest: every CPU halted, the clock moved
    on to the next timer."""
    if not all(x[3] for x in rounds):
        return None
    t = [1e6 / x[2] for x in rounds if x[2] > 0]
    run = [sum(sum(x[0][s].values()) for s in SIDES) * ns / 1000.0
           for x in rounds if x[2] > 0]
    if not t:
        return None
    return {"per_io": med(t), "running": med(run),
            "halted": med([a - b for a, b in zip(t, run)])}


def spin_split(rounds):
    """Median over rounds of the instructions per I/O each side spent in
    spin-wait loops, or None for counts from a plugin that did not find
    them (before 2026-12-07)."""
    if not rounds or not all(x[4] for x in rounds):
        return None
    return {s: med([x[4][s] for x in rounds]) for s in SIDES}


def guest_rest(rounds):
    """Median over rounds of the guest's instructions per I/O outside its
    frontend module."""
    return med([sum(v for k, v in x[0]["guest"].items() if k != "xen_blkfront")
                for x in rounds])


def med(xs):
    return statistics.median(xs) if xs else 0


def fmt(x):
    return "%.1fk" % (x / 1000) if x >= 1000 else "%.0f" % x


def render(data, notes, recs, ns):
    md = ["", "## Instructions per I/O, by where they ran (BENCH_INSN=1)", ""]
    if not data:
        md.append("No window was counted.")
        md.extend("- " + n for n in notes)
        return "\n".join(md)
    md.append(
        "QEMU's plugin (scripts/bench/insn-plugin.c) counted every instruction the two "
        "emulated CPUs ran in each measured window, by address; dom0's vCPUs were pinned "
        "to CPU 0 and the guest's to CPU 1, so *dom0* is CPU 0 (dom0 and Xen working for "
        "it) and *guest* CPU 1.  Counts are per fio I/O, median over rounds: the work an "
        "I/O costs the machine, counted exactly, though the path itself moves with timing "
        "(how many responses an event carries, when a vCPU idles: the same configuration "
        "differed by 4-5 % between two boots).  Pinning changes the schedule (fewer CPUs "
        "for dom0 than in the timed rounds), so compare configurations of one boot with "
        "each other, not with the IOPS tables (BENCH_INSN_PIN=0 pins nothing: see the "
        "notes)." + (
        "  The *time* rows split an I/O's time "
        "(1/IOPS in that window's run, on the instruction-counting clock) into "
        "the instructions run, %d ns each whichever CPU runs them (the "
        "emulator runs one CPU at a time), and the rest, when every CPU was "
        "halted and the clock moved on to the next timer: waiting, not work "
        "(only for windows timed at their markers, from 2026-12-06)." % ns) + (
        "" if not any(x[4] for v in data.values() for x in v) else
        "  *of which spin-waits*: the part of a side's count spent in loops "
        "that wait with PAUSE (a lock's slow path, a wake-up waiting for its "
        "task to leave the other CPU; the plugin counts the blocks ending in "
        "PAUSE and the few blocks a CPU runs between two of them, the loop's "
        "tests).  The emulator runs one CPU at a "
        "time, so a waiting CPU spins until the emulator switches to the one "
        "it waits for: the amount follows where those switches fall, not the "
        "code measured (16 to 1.2k per I/O on one side in the same "
        "configuration of different boots, 2026-12-07).  *all, less "
        "spin-waits* takes that part out; the rest still moves by 1-3 % "
        "between boots, so compare configurations of one boot."))
    profiles = []
    for (c, p) in data:
        if p not in profiles:
            profiles.append(p)
    for p in profiles:
        cfgs = [c for c in ORDER if (c, p) in data] + \
            sorted(c for (c, q) in data if q == p and c not in ORDER)
        md += ["", "### %s" % p, "",
               "| side | where | " + " | ".join(cfgs) + " |",
               "|---|---|" + "---|" * len(cfgs)]
        tot = {c: 0.0 for c in cfgs}
        for s in SIDES:
            for reg in REGIONS[s]:
                vals = []
                for c in cfgs:
                    x = med([r[0][s].get(reg, 0) for r in data[(c, p)]])
                    tot[c] += x
                    vals.append(fmt(x))
                md.append("| %s | %s | %s |" % (s, reg, " | ".join(vals)))
        md.append("| **all** | | %s |" % " | ".join("**%s**" % fmt(tot[c]) for c in cfgs))
        sp = {c: spin_split(data[(c, p)]) for c in cfgs}
        work = None
        if all(sp.values()):
            for s in SIDES:
                md.append("| %s | of which spin-waits | %s |" % (s, " | ".join(
                    fmt(sp[c][s]) for c in cfgs)))
            work = {c: tot[c] - sum(sp[c].values()) for c in cfgs}
            md.append("| **all, less spin-waits** | | %s |" % " | ".join(
                "**%s**" % fmt(work[c]) for c in cfgs))
        ts = {c: time_split(data[(c, p)], ns) for c in cfgs}
        if all(ts.values()):
            for k, what in (("per_io", "µs per I/O (1/IOPS)"),
                            ("running", "µs running instructions"),
                            ("halted", "µs with every CPU halted")):
                md.append("| time | %s | %s |" % (what, " | ".join(
                    "%.1f" % ts[c][k] for c in cfgs)))
        for a, b in CEILINGS:
            if (a, p) not in data or (b, p) not in data:
                continue
            rest = guest_rest(data[(a, p)])
            if rest > 0:
                md += ["", "Ceiling of %s/%s: %.2f.  Were everything on dom0's "
                       "side (Xen, kernel, backend, device) and the frontend's own "
                       "code free, an I/O would still cost the guest's other work "
                       "as counted under %s (%s: fio, its system calls, the block "
                       "layer and interrupts, and Xen working for them), against %s "
                       "for all of %s." % (a, b, tot[b] / rest, a, fmt(rest),
                                           fmt(tot[b]), b)]
        for a, b in PAIRS:
            if (a, p) not in data or (b, p) not in data:
                continue
            less = ""
            if work and work[b]:
                less = ", less spin-waits %s against %s (ratio %.3f)" % (
                    fmt(work[a]), fmt(work[b]), work[a] / work[b])
            md += ["", "%s against %s: all %s against %s (ratio %.3f)%s; the symbols that differ most:" %
                   (a, b, fmt(tot[a]), fmt(tot[b]), tot[a] / tot[b] if tot[b] else 0, less), "",
                   "| side | symbol | %s | %s | difference |" % (b, a), "|---|---|---|---|---|"]
            rows = []
            for s in SIDES:
                names = set()
                for c in (a, b):
                    for r in data[(c, p)]:
                        names |= set(r[1][s])
                for nm in names:
                    xa = med([r[1][s].get(nm, 0) for r in data[(a, p)]])
                    xb = med([r[1][s].get(nm, 0) for r in data[(b, p)]])
                    rows.append((abs(xa - xb), s, nm, xb, xa))
            rows.sort(reverse=True)
            for _, s, nm, xb, xa in rows[:15]:
                md.append("| %s | %s | %s | %s | %+.0f |" % (s, nm, fmt(xb), fmt(xa), xa - xb))
        for c in cfgs:
            if not c.startswith(("ours", "alt")):
                continue
            md += ["", "%s: the symbols that cost most per I/O:" % c, "",
                   "| side | symbol | instructions |", "|---|---|---|"]
            rows = []
            for s in SIDES:
                names = set()
                for r in data[(c, p)]:
                    names |= set(r[1][s])
                for nm in names:
                    rows.append((med([r[1][s].get(nm, 0) for r in data[(c, p)]]), s, nm))
            rows.sort(reverse=True)
            for x, s, nm in rows[:20]:
                md.append("| %s | %s | %s |" % (s, nm, fmt(x)))
    if notes:
        md += ["", "Notes:"] + ["- " + n for n in notes]
    return "\n".join(md)


if __name__ == "__main__":
    main()
