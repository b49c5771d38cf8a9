"""report.html: one self-contained page (inline CSS and SVG, no script):
the grid, what changed since a baseline, the driver behaviour table, the
latency charts and the reasons behind unsupported and failed cells."""
import os
from html import escape

from . import charts, expectations, model, plan

# Badge colours by what a cell is shown as (expectations.SHOWN); the
# report's test looks for these in the rendered page, so a badge is a solid
# box of its colour.
COLOURS = {
    "clean": ("#2e7d32", "#ffffff"),
    "caught": ("#1565c0", "#ffffff"),
    "expected": ("#00838f", "#ffffff"),
    "no expectation": ("#fbc02d", "#000000"),
    "unexpected": ("#ad1457", "#ffffff"),
    "corrupt": ("#c62828", "#ffffff"),
    "missed": ("#e65100", "#ffffff"),
    "warn": ("#6a1b9a", "#ffffff"),
    "unsupported": ("#8d8d8d", "#ffffff"),
    "error": ("#212121", "#ffffff"),
    "pending": ("#ffffff", "#000000"),
}
DIFFERS = "#fff3a0"
# A negative control's badge starts with its tag.
TAGS = {plan.CONTROL: "CTRL ", plan.WRONG_PAGE: "WP "}

CSS = """
body { font: 14px/1.4 sans-serif; margin: 16px; color: #111; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ccc; }
p.meta { color: #444; margin: 2px 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid #bbb; padding: 3px 5px; vertical-align: top; }
th { background: #f0f0f0; font-weight: 600; }
table.grid td { padding: 3px; background: #fff; }
a.st, span.st { display: block; margin: 2px; padding: 2px 6px; border-radius: 0;
  text-decoration: none; font-size: 12px; white-space: nowrap; }
table.grid .st { max-width: 160px; overflow: hidden; text-overflow: ellipsis; }
span.st.inline { display: inline-block; }
.st small { opacity: .85; }
td.differs { background: %s; }
td.changed { outline: 2px solid #000; }
table.obs td { font-size: 12px; max-width: 260px; }
table.lat td { text-align: right; font-size: 12px; }
ul.legend { list-style: none; padding: 0; margin: 6px 0; }
ul.legend li { margin: 2px 0; }
.charts svg { display: block; margin: 8px 0; max-width: 100%%; height: auto; }
.note { color: #444; font-size: 13px; }
""" % DIFFERS


def css_class(shown):
    return "st-" + shown.replace(" ", "-")


for _s, (_bg, _fg) in COLOURS.items():
    CSS += f".{css_class(_s)} {{ background: {_bg}; color: {_fg}; }}\n"
CSS += ".st-pending { outline: 1px dashed #000; }\n"


def badge(run, cell, variant):
    label = model.cell_label(cell)
    if cell is None:
        return '<span class="st st-pending">-</span>'
    href = cell["paths"].get("log") or cell["paths"].get("record")
    shown = expectations.shown(cell)
    cls = f"st {css_class(shown)}"
    tag = TAGS.get(variant, "")
    attrs = (f'class="{cls}" data-cell="{escape(cell["id"])}" '
             f'data-status="{cell["status"]}" data-shown="{shown}" '
             f'title="{escape(model.cell_title(cell))}"')
    text = f"<small>{tag}</small>{escape(label)}" if tag else escape(label)
    if href:
        return f'<a {attrs} href="{escape(href)}">{text}</a>'
    return f"<span {attrs}>{text}</span>"


def grid(run):
    out = ['<table class="grid" id="grid"><thead><tr><th rowspan="2">pattern</th>']
    for k in run.kernels:
        rel = run.releases.get(k)
        out.append(f'<th colspan="{len(run.iommus)}">{escape(k)}'
                   f'{"<br><small>" + escape(rel) + "</small>" if rel else ""}</th>')
    out.append("</tr><tr>")
    for _ in run.kernels:
        for i in run.iommus:
            out.append(f"<th>{escape(i)}</th>")
    out.append("</tr></thead><tbody>")
    for p in run.patterns:
        if plan.is_1g(p):
            out.append(f'<tr><th title="{escape(model.ROW_1G)}">{escape(p)}'
                       '<br><small>1G leaves</small></th>')
        else:
            out.append(f'<tr><th>{escape(p)}</th>')
        for (k, i) in run.columns:
            out.append('<td>')
            for v in run.variants(p):
                out.append(badge(run, run.cell(k, i, p, v), v))
            out.append('</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def legend(run):
    counts = run.status_counts()
    items = []
    for s in expectations.SHOWN:
        if counts.get(s):
            items.append(f'<li><span class="st {css_class(s)} inline">{s}</span> '
                         f'{counts[s]}: {escape(expectations.meaning(s))}</li>')
    return ('<ul class="legend" id="legend">' + "".join(items) + "</ul>"
            '<p class="note">Each grid cell: the stock kernel above, the '
            'negative control (CTRL, --inject skip-flush) below, and where '
            'the run has it the control of the data checks alone (WP, '
            '--inject wrong-page on the module\'s test build); a badge '
            'links to the cell\'s kernel log lines (warnings, IOMMU faults, '
            'the module\'s lines), its tooltip says more. Each result that '
            'ran is judged against tests/vm/expect, what the VM tests know '
            f'of each kernel and {run.iommu_word}: corrupt, missed, warn, unexpected and '
            'error are failures, a result the table expects is not.'
            + (f' {escape(model.ROW_1G)}.' if any(plan.is_1g(p) for p in run.patterns) else "")
            + '</p>')


def changes(changes_list, base_id):
    if not changes_list:
        return f"<h2>Changes since {escape(base_id)}</h2><p>None.</p>"
    rows = "".join(
        f'<tr class="ch-{c.kind.replace(" ", "-")}"><td>{escape(c.kind)}</td>'
        f"<td>{escape(c.what)}</td><td>{escape(c.old)}</td>"
        f"<td>{escape(c.new)}</td><td>{escape(c.note)}</td></tr>"
        for c in changes_list)
    return (f'<h2>Changes since {escape(base_id)}</h2><table id="changes">'
            "<tr><th>change</th><th>what</th><th>before</th><th>now</th>"
            f"<th>note</th></tr>{rows}</table>")


def behaviour(run, changed):
    table = run.observations
    if not table:
        return ("<h2>Driver behaviour</h2><p>No observations recorded in "
                "this run.</p>")
    out = ['<h2>Driver behaviour</h2><p class="note">What the IOMMU driver '
           'did where the patterns look (observations of every cell\'s '
           'record, by key). A highlighted row is one whose columns '
           'disagree; an outlined cell changed since the baseline.</p>'
           '<table class="obs" id="behaviour"><tr><th>observation</th>']
    out += [f"<th>{escape(k)}<br>{escape(i)}</th>" for k, i in run.columns]
    out.append("</tr>")
    for key in sorted(table):
        row = table[key]
        differs = model.values_differ(row)
        out.append(f"<tr><th>{escape(key)}</th>")
        for col in run.columns:
            cls = ["differs"] if differs and col in row else []
            if (key, col) in changed:
                cls.append("changed")
            texts = model.observation_text(row.get(col, []))
            where = model.observation_where(row.get(col, []))
            title = f' title="{escape("seen by " + where)}"' if where else ""
            out.append(f'<td class="{" ".join(cls)}"{title}>'
                       + ("<br>".join(escape(t) for t in texts) or "&ndash;")
                       + "</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def latency(run, drawn):
    out = [f"<h2>Latency ({run.time_name})</h2>",
           f'<p class="note">{escape(charts.time_note(run, sentence=True))}. '
           f"Per pattern (stock kernel) and kernel/{run.iommu_word}: the bar is the "
           "median, the whisker p99. Samples are small (see N): compare "
           "columns, do not read them as what hardware takes.</p>",
           '<div class="charts">']
    for metric, title, path in drawn:
        with open(path) as f:
            out.append(charts.inline(f.read(), metric, f"{title} latency, {run.time_name}"))
    out.append("</div>")
    rows = run.latencies()
    if rows:
        out.append(f"<details><summary>All figures (ns of {run.time_name})</summary>"
                   '<table class="lat"><tr><th>pattern</th><th>metric</th>'
                   f"<th>kernel/{run.iommu_word}</th><th>p50</th><th>p99</th><th>N</th></tr>")
        for p, m, col, p50, p99, n in rows:
            out.append(f"<tr><td>{escape(p)}</td><td>{m}</td>"
                       f"<td>{escape(col[0] + '/' + col[1])}</td><td>{p50}</td>"
                       f"<td>{p99}</td><td>{n}</td></tr>")
        out.append("</table></details>")
    return "".join(out)


def reasons(run):
    if not run.reasons:
        return ""
    out = ['<h2>Why cells did not run clean</h2><table id="reasons">'
           "<tr><th>shown as</th><th>reason</th><th>cells</th></tr>"]
    for s, r, cells in run.reasons:
        out.append(f'<tr><td><span class="st {css_class(s)} inline">{s}</span></td>'
                   f"<td>{escape(r)}</td><td>{escape(cells)}</td></tr>")
    out.append("</table>")
    return "".join(out)


def environment(run):
    qemus = run.qemus
    out = [f"<h2>Environment</h2><table><tr><th>{run.iommu_word}</th><th>what</th>"
           + ("" if run.on_host else "<th>QEMU</th>") + "</tr>"]
    for i in run.iommus:
        out.append(f"<tr><td>{escape(i)}</td><td>{escape(run.index['iommus'].get(i, ''))}</td>"
                   + ("" if run.on_host else f"<td>{escape(qemus.get(i, 'unknown'))}</td>")
                   + "</tr>")
    out.append("</table><p></p><table><tr><th>kernel</th><th>as it ran</th></tr>")
    keyed = {}
    for c in run.index["cells"]:
        if c.get("key"):
            keyed.setdefault(c["kernel"], c["key"]["kernel"])
    for k in run.kernels:
        booted = keyed.get(k) or run.releases.get(k) or "not resolved"
        out.append(f"<tr><td>{escape(k)}</td><td>{escape(booted)}</td></tr>")
    out.append("</table>")
    return "".join(out)


def render(run, drawn, changes_list=None, base=None, changed=frozenset()):
    meta = f'<p class="meta">{escape(run.summary)}</p>'
    body = [f"<h1>iommu-stress {run.kind} {escape(run.id)}</h1>", meta,
            legend(run), grid(run), reasons(run)]
    if base is not None:
        body.append(changes(changes_list or [], base.id))
    body += [behaviour(run, changed), latency(run, drawn), environment(run),
             '<p class="note">Written by scripts/report from matrix.json '
             "(results/matrix-schema.json).</p>"]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>iommu-stress {run.kind} {escape(run.id)}</title>"
            f"<style>{CSS}</style></head><body>\n" + "\n".join(body)
            + "\n</body></html>\n")


def write(run, drawn, path, **kw):
    with open(path, "w") as f:
        f.write(render(run, drawn, **kw))
    return os.path.getsize(path)
