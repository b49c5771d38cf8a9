"""Latency charts drawn by gnuplot as SVG: per metric, for each pattern and
each kernel/vIOMMU, a bar to the median and a whisker to p99. A matrix
run's figures are guest time under QEMU's -icount (instructions, one ns
each), not hardware latencies, and every chart says so; scripts/host-run's
on real hardware are real time, and its charts say that."""
import os
import re
import subprocess
import tempfile
from html import escape

from . import model

GUEST_TIME = "guest time under QEMU -icount (counts instructions): not hardware latency"
REAL_TIME = ("real time as the machine's clock counts it: its own latency, "
             "with whatever else ran on it at the time")


def time_note(run, sentence=False):
    """What the run's figures measure: a host run's on real hardware are
    real time. SENTENCE: its first letter a capital, the rest as written."""
    text = GUEST_TIME if run.virtual_clock else REAL_TIME
    return text[0].upper() + text[1:] if sentence else text


def quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def data(run, metric):
    """(series labels, rows of (pattern, [p50, p99] per series)) of one metric."""
    values = {}
    series = []
    for pattern, m, col, p50, p99, _ in run.latencies():
        if m != metric or p50 is None or p99 is None:
            continue
        label = f"{col[0]}/{col[1]}"
        if label not in series:
            series.append(label)
        values.setdefault(pattern, {})[label] = (p50, p99)
    rows = [(p, [values[p].get(s) for s in series])
            for p in run.patterns if p in values]
    return series, rows


def script(title, series, datafile, out, width, run):
    plots = []
    for n, label in enumerate(series):
        c = 2 + 2 * n
        source = quote(datafile) if n == 0 else "''"
        xtic = ":xtic(1)" if n == 0 else ""
        plots.append(f"{source} using {c}:{c}:{c + 1}{xtic} title {quote(label)}")
    return "\n".join([
        f"set terminal svg size {width},380 fixed font 'sans,11' background '#ffffff'",
        f"set output {quote(out)}",
        f"set title {quote(title + ' latency (bar: p50, whisker: p99)')} noenhanced",
        "set datafile missing '?'",
        "set style data histogram",
        "set style histogram errorbars gap 2 lw 1",
        "set style fill solid 0.85 border -1",
        "set boxwidth 0.9",
        "set logscale y",
        f"set ylabel {quote('ns of guest time (-icount)' if run.virtual_clock else 'ns of ' + run.time_name)} noenhanced",
        "set xtics rotate by -25 noenhanced",
        "set key outside right top noenhanced",
        "set grid ytics",
        f"set label 1 {quote(time_note(run))} at screen 0.01,0.03 font ',9' noenhanced",
        "set bmargin 6",
        "plot " + ", ".join(plots),
    ]) + "\n"


def draw(run, out_dir):
    """Write OUT_DIR/<metric>.svg for each metric with data; returns
    [(metric, title, path)]. Needs gnuplot (scripts/report installs it)."""
    os.makedirs(out_dir, exist_ok=True)
    drawn = []
    for metric, title in model.METRICS:
        series, rows = data(run, metric)
        if not rows:
            continue
        out = os.path.join(out_dir, metric + ".svg")
        with tempfile.TemporaryDirectory() as tmp:
            dat = os.path.join(tmp, "data")
            with open(dat, "w") as f:
                for pattern, vals in rows:
                    cols = []
                    for v in vals:
                        cols += [str(v[0]), str(v[1])] if v else ["?", "?"]
                    f.write(pattern + " " + " ".join(cols) + "\n")
            width = max(640, 120 + 14 * len(rows) * (len(series) + 1) + 160)
            gp = os.path.join(tmp, "plot.gp")
            with open(gp, "w") as f:
                f.write(script(title, series, dat, out, min(width, 2400), run))
            subprocess.run(["gnuplot", gp], check=True, capture_output=True)
        drawn.append((metric, title, out))
    return drawn


def inline(svg_text, prefix, title):
    """An SVG file's text ready to sit inside HTML beside others: no XML
    prolog or doctype, nothing executable, its ids prefixed (gnuplot gives
    every chart the same ones) and its title the chart's."""
    text = re.sub(r"<\?xml[^>]*\?>", "", svg_text)
    text = re.sub(r"(\bid=['\"]|href=['\"]#|url\(#)", rf"\g<1>{prefix}-", text)
    text = re.sub(r"<title>[^<]*</title>", f"<title>{escape(title)}</title>", text, count=1)
    text = re.sub(r"<!DOCTYPE[^>]*(\[[^\]]*\])?\s*>", "", text, flags=re.S)
    text = re.sub(r"<script\b.*?</script>", "", text, flags=re.S)
    return text.strip()
