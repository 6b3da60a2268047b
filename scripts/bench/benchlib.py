# SPDX-License-Identifier: GPL-2.0
"""Shared parts of the benchmark report generators (scripts/bench/report-*.py).

Standard library only.  A report generator is run as ``report-MODE.py LAB_OUT RESDIR``
by scripts/bench/bench.sh; it typically does::

    import benchlib
    recs, bad = benchlib.load(lab_out)     # BENCH objects, undecodable lines
    host = benchlib.host(resdir)           # host.json
    meta = benchlib.meta(resdir)           # meta.txt
    ...
    benchlib.write_json(resdir, {...})     # results.json
    benchlib.gnuplot(resdir, script)       # chart.png (False if no gnuplot)
"""

import json
import os
import sys
import shutil
import statistics
import subprocess


def load(path):
    """Return (records, bad_lines): the JSON objects of the "BENCH {...}"
    lines of PATH (a lab_out file; a .jsonl file is taken whole)."""
    recs, bad = [], []
    whole = path.endswith(".jsonl")
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("BENCH "):
                line = line[6:]
            elif not whole or not line:
                continue
            try:
                recs.append(json.loads(line))
            except ValueError:
                bad.append(line)
    return recs, bad


def host(outdir):
    """Return the host facts bench.sh wrote (OUTDIR/host.json)."""
    try:
        with open(os.path.join(outdir, "host.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def meta(outdir):
    """Return the KEY=VALUE lines bench.sh wrote to OUTDIR/meta.txt as a
    dict of strings (empty if the file cannot be read)."""
    m = {}
    try:
        with open(os.path.join(outdir, "meta.txt")) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                m[k] = v
    except OSError:
        pass
    return m


def spread(values):
    """min/quartiles/median/max/n of the numbers in VALUES (None if there
    are none).  The quartiles are interpolated between the values (with
    three rounds, halfway between the median and the min or max)."""
    v = [x for x in values if x is not None]
    if not v:
        return None
    q1, q3 = (statistics.quantiles(v, n=4, method="inclusive")[::2]
              if len(v) > 1 else (v[0], v[0]))
    return {"min": min(v), "q1": q1, "median": statistics.median(v),
            "q3": q3, "max": max(v), "n": len(v)}


def fmt(x, digits=2):
    """A number for a table: '-' for None, integers without decimals."""
    if x is None:
        return "-"
    if isinstance(x, int) or (abs(x) >= 100 and digits <= 2):
        return "%d" % round(x)
    return "%.*f" % (digits, x)


def fmt_spread(s, digits=2):
    """'median [min-max]' of a spread() result."""
    if not s:
        return "-"
    return "%s [%s–%s]" % (fmt(s["median"], digits), fmt(s["min"], digits),
                           fmt(s["max"], digits))


def table(header, rows):
    """A Markdown table as a list of lines."""
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return out


def write_json(outdir, obj, name="results.json"):
    with open(os.path.join(outdir, name), "w") as f:
        json.dump(obj, f, indent=1, sort_keys=False)


def gnuplot(outdir, script, name="chart", size="1200,900"):
    """Run a gnuplot SCRIPT in OUTDIR (kept as NAME.gp).  The script should
    draw to NAME.png; the terminal line is prepended here.  Returns True if
    the PNG was written."""
    gp = shutil.which("gnuplot")
    path = os.path.join(outdir, name + ".gp")
    terms = ["pngcairo size %s font ',10'" % size, "png size %s" % size]
    for term in terms:
        with open(path, "w") as f:
            f.write("set terminal %s\nset output '%s.png'\n%s" %
                    (term, name, script))
        if not gp:
            return False
        r = subprocess.run([gp, name + ".gp"], cwd=outdir,
                           capture_output=True, text=True)
        if r.returncode == 0 and os.path.getsize(
                os.path.join(outdir, name + ".png")) > 0:
            return True
    print("gnuplot failed:", r.stderr.strip()[:500])
    return False


def start_report(prog):
    """The common start of a report-MODE.py: its two arguments (the lab's
    output and the result directory), the records and the rejected lines
    of the former, the run's metadata and its setup record."""
    if len(sys.argv) != 3:
        sys.exit("usage: %s LAB_OUT RESULTDIR" % prog)
    recs, badlines = load(sys.argv[1])
    resdir = sys.argv[2]
    setup = next((r for r in recs if r.get("kind") == "setup"), {})
    return recs, len(badlines), resdir, meta(resdir), setup


def finish_report(resdir, lines, chart_alt, bad):
    """Write RESULTDIR/report.md: LINES, the chart (if one was drawn, with
    CHART_ALT as its text) and how many BENCH lines were unreadable."""
    if chart_alt:
        lines.append("![%s](chart.png)\n" % chart_alt)
    if bad:
        lines.append("(%d BENCH lines could not be parsed: console "
                     "interleaving.)\n" % bad)
    with open(os.path.join(resdir, "report.md"), "w") as f:
        f.write("\n".join(lines))


def report_head(title, m, setup, dom0="", kernel="kernel"):
    """The first lines of a report: its TITLE, then the lab the run had:
    emulated CPUs, dom0's memory (and DOM0, more about it), the KERNEL's
    version, wall time and the lab's exit status."""
    lab = ("Lab: Xen 4.17 in QEMU TCG (%s emulated CPU(s), dom0 %s MiB%s, "
           "%s %s), wall time %s s, lab exit %s.\n" % (
               m.get("lab_smp", "?"), m.get("lab_dom0_mem", "?"), dom0,
               kernel, setup.get("kernel", "?"), m.get("wall_s", "?"),
               m.get("lab_rc", "?")))
    return ["# %s\n" % title, lab]
