"""report.md: the same report as report.html in Markdown, for a terminal or
a code host: one grid table per kernel, the changes, the behaviour table,
the charts as image links and the reasons."""
import os

from . import charts, expectations, model, plan

# A negative control's cell text starts with its tag.
TAGS = {plan.CONTROL: "ctrl ", plan.WRONG_PAGE: "wp "}


def cell_text(cell, variant):
    if cell is None:
        return "-"
    label = model.cell_label(cell).replace("|", "/")
    if variant in TAGS:
        label = TAGS[variant] + label
    if expectations.failed(cell):
        label = f"**{label}**"
    href = cell["paths"].get("log")
    return f"[{label}]({href})" if href else label


def esc(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def grid(run):
    out = []
    for k in run.kernels:
        rel = run.releases.get(k)
        out.append(f"### Kernel {k}" + (f" ({rel})" if rel else ""))
        out.append("")
        out.append("| pattern | " + " | ".join(run.iommus) + " |")
        out.append("|---|" + "---|" * len(run.iommus))
        for p in run.patterns:
            row = [p]
            for i in run.iommus:
                row.append(" / ".join(cell_text(run.cell(k, i, p, v), v)
                                      for v in run.variants(p)))
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    return out


def render(run, drawn, chart_dir, changes_list=None, base=None, changed=frozenset()):
    counts = run.status_counts()
    out = [f"# iommu-stress {run.kind} {run.id}", "", run.summary + ".", "",
           "Status counts: " + ", ".join(f"{s} {n}" for s, n in counts.items() if n)
           + ". Each grid cell is the stock kernel, then the negative control "
           "(ctrl: --inject skip-flush) and, where the run has it, the control "
           "of the data checks alone (wp: --inject wrong-page on the module's "
           "test build); a link opens the cell's kernel log "
           "lines. Each result that ran is judged against tests/vm/expect; "
           "failures are in bold."
           + (f" {model.ROW_1G}." if any(plan.is_1g(p) for p in run.patterns) else ""),
           "", "## Grid", ""]
    out += grid(run)
    out += ["Shown as: " + "; ".join(f"{s}: {expectations.meaning(s)}"
                                     for s in expectations.SHOWN if counts.get(s)), ""]
    if base is not None:
        out += [f"## Changes since {base.id}", ""]
        if changes_list:
            out += ["| change | what | before | now | note |", "|---|---|---|---|---|"]
            out += [f"| {c.kind} | {esc(c.what)} | {esc(c.old)} | {esc(c.new)} | {esc(c.note)} |"
                    for c in changes_list]
        else:
            out.append("None.")
        out.append("")
    out += ["## Driver behaviour", ""]
    table = run.observations
    if table:
        out += ["Observations of every cell's record, by key. Rows whose "
                "columns disagree are marked **differs**; a value that changed "
                "since the baseline is marked *(changed)*.", "",
                "| observation | " + " | ".join(f"{k}/{i}" for k, i in run.columns) + " |",
                "|---|" + "---|" * len(run.columns)]
        for key in sorted(table):
            row = table[key]
            cells = []
            for col in run.columns:
                text = "<br>".join(esc(t) for t in model.observation_text(row.get(col, []))) or "-"
                if (key, col) in changed:
                    text += " *(changed)*"
                cells.append(text)
            name = esc(key) + (" **differs**" if model.values_differ(row) else "")
            out.append(f"| {name} | " + " | ".join(cells) + " |")
    else:
        out.append("No observations recorded in this run.")
    out += ["", f"## Latency ({run.time_name})", "",
            charts.time_note(run, sentence=True) + ". Bar: p50, whisker: p99, per "
            f"pattern (stock kernel) and kernel/{run.iommu_word}.", ""]
    for metric, title, path in drawn:
        rel = os.path.relpath(path, chart_dir)
        out.append(f"![{title} latency, {run.time_name}]({rel})")
    rows = run.latencies()
    if rows:
        out += ["", f"| pattern | metric | kernel/{run.iommu_word} | p50 ns | p99 ns | N |",
                "|---|---|---|---:|---:|---:|"]
        out += [f"| {p} | {m} | {col[0]}/{col[1]} | {p50} | {p99} | {n} |"
                for p, m, col, p50, p99, n in rows]
    if run.reasons:
        out += ["", "## Why cells did not run clean", "",
                "| shown as | reason | cells |", "|---|---|---|"]
        out += [f"| {s} | {esc(reason)} | {esc(shown)} |"
                for s, reason, shown in run.reasons]
    qemus = run.qemus
    if run.on_host:
        out += ["", "## Environment", "", "| IOMMU | what |", "|---|---|"]
        out += [f"| {i} | {esc(run.index['iommus'].get(i, ''))} |" for i in run.iommus]
    else:
        out += ["", "## Environment", "", "| vIOMMU | what | QEMU |", "|---|---|---|"]
        out += [f"| {i} | {esc(run.index['iommus'].get(i, ''))} | {esc(qemus.get(i, 'unknown'))} |"
                for i in run.iommus]
    out.append("")
    return "\n".join(out) + "\n"


def write(run, drawn, path, **kw):
    with open(path, "w") as f:
        f.write(render(run, drawn, os.path.dirname(path), **kw))
