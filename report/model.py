"""A run as the report shows it: the grid of cells, the driver behaviour
table and the latency figures, read from matrix.json and the records."""
import functools
import json
import os

from . import cells as cellmod
from . import expectations, plan

METRICS = [("map", "map"), ("unmap", "unmap"), ("dma", "DMA"),
           ("map_to_dma", "map to first DMA")]
P50, P99 = "50.000000", "99.000000"
# What a 1G row of the grid is (plan.SETUP_1G).
ROW_1G = ("A row ending in -1g runs its pattern over 1G leaves (tests/vm/pattern-runs' "
          "edu-1g runs) in a boot of its own, the module loaded with "
          f"{plan.SETUP_1G['module']} and {' '.join(plan.SETUP_1G['vm_run'])}: "
          "stock and CTRL only; unsupported where its record shows no 1G leaf mapped")
# Members of an observation that are its identity, not extra fields.
OBS_CORE = ("key", "value", "count")


class Run:
    def __init__(self, run_dir):
        self.dir = run_dir
        with open(os.path.join(run_dir, "matrix.json")) as f:
            self.index = json.load(f)
        self.id = self.index["run"]["id"]
        axes = self.index["axes"]
        self.kernels = axes["kernels"]
        self.iommus = axes["iommus"]
        self.patterns = axes["patterns"]
        self.variant_axis = axes["variants"]
        self.columns = [(k, i) for k in self.kernels for i in self.iommus]
        self._records = {}
        # A run made before its cells were judged against tests/vm/expect
        # is judged now, by the table as it is.
        self.judged_now = any("expectation" not in c for c in self.index["cells"])
        if self.judged_now:
            rows = expectations.table()
            self.index["cells"] = [c if "expectation" in c else
                                   expectations.judge_entry(run_dir, c, rows)
                                   for c in self.index["cells"]]
        self.cells = {c["id"]: c for c in self.index["cells"]}
        # scripts/host-run's folder: its cells ran on the host itself, keyed
        # by nothing the matrix could boot again.
        self.on_host = bool(self.index["cells"]) and \
            not any(c.get("key") for c in self.index["cells"])
        self.iommu_word = "IOMMU" if self.on_host else "vIOMMU"
        self.kind = "host run" if self.on_host else "matrix"

    def variants(self, pattern):
        """The variants of pattern this run has cells of (a run made before
        the wrong-page control has none of it)."""
        return plan.variants(pattern, self.variant_axis)

    def cell(self, kernel, iommu, pattern, variant):
        return self.cells.get(f"{kernel}/{iommu}/{pattern}/{variant}")

    def record(self, cell):
        """The cell's JSON record, or None."""
        if cell is None or "record" not in cell.get("paths", {}):
            return None
        if cell["id"] not in self._records:
            try:
                with open(os.path.join(self.dir, cell["paths"]["record"])) as f:
                    self._records[cell["id"]] = json.load(f)
            except (OSError, ValueError):
                self._records[cell["id"]] = None
        return self._records[cell["id"]]

    @functools.cached_property
    def virtual_clock(self):
        """Whether the records' times are guest time under QEMU's -icount
        (their clock's kind, which the tool tells from the CPU): always in
        the matrix's VMs, and in a host run made inside such a VM."""
        kinds = {((self.record(c) or {}).get("clock") or {}).get("kind")
                 for c in self.index["cells"]} - {None}
        return "guest-virtual" in kinds if kinds else not self.on_host

    @functools.cached_property
    def time_name(self):
        return "guest time" if self.virtual_clock else \
            "host time" if self.on_host else "real time"

    def status_counts(self):
        """{what a cell is shown as: how many} (expectations.SHOWN)."""
        counts = {s: 0 for s in expectations.SHOWN}
        for c in self.index["cells"]:
            shown = expectations.shown(c)
            counts[shown] = counts.get(shown, 0) + 1
        return counts

    @functools.cached_property
    def releases(self):
        """{kernel spec: the release the guests ran, as uname -r says}."""
        out = {}
        for c in self.index["cells"]:
            if c.get("release"):
                out.setdefault(c["kernel"], c["release"])
        return out

    @functools.cached_property
    def qemus(self):
        """{vIOMMU: the QEMU version line its cells' keys name}."""
        out = {}
        for c in self.index["cells"]:
            if c.get("key"):
                out.setdefault(c["iommu"], c["key"]["qemu"])
        return out

    @functools.cached_property
    def summary(self):
        """The report's line under its title: what ran, when, how long."""
        r = self.index["run"]
        where = "on the host" if self.on_host else f"with -j {r['jobs']}"
        return (f"{len(self.index['cells'])} cells on {plural(len(self.kernels), 'kernel')} x "
                f"{plural(len(self.iommus), self.iommu_word)} x "
                f"{plural(len(self.patterns), 'pattern')}; started {r['started']}, "
                f"{r.get('duration_s') or '?'} s of wall-clock time {where}"
                f"{'' if r['complete'] else ' (incomplete)'}; {self.sources}"
                f"{'; judged now against tests/vm/expect' if self.judged_now else ''}")

    @functools.cached_property
    def sources(self):
        """What the cells ran: the commit of the checkout, or outside one
        (an installed package) the hash of the binaries or sources."""
        r = self.index["run"]
        src = r.get("source") or {}
        if src.get("commit"):
            return f"sources {src['commit'][:12]}{' (modified)' if src.get('dirty') else ''}"
        what = "binaries" if self.on_host else "sources"
        if r.get("sources_hash"):
            return f"{what} sha256 {r['sources_hash'][:12]} (no git checkout)"
        return f"{what} unknown (no git checkout)"

    @functools.cached_property
    def reasons(self):
        """[(shown, reason, 'the cells it holds for')]: every unsupported,
        WARN and error cell by its reason, and every cell tests/vm/expect
        expects, finds unexpected or has no row for, by what the table says
        (reason_of)."""
        seen = {}
        for c in self.index["cells"]:
            shown = expectations.shown(c)
            text = reason_of(c)
            if text:
                seen.setdefault((shown, text), []).append(c["id"])
        return [(s, r, ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else ""))
                for (s, r), ids in sorted(seen.items())]

    @functools.cached_property
    def observations(self):
        """{key: {(kernel, iommu): [observation, with its pattern]}} from
        every cell's record (negative controls included: what a driver does
        must not depend on a skipped flush, and a difference shows)."""
        table = {}
        for (k, i) in self.columns:
            for p in self.patterns:
                for v in self.variants(p):
                    rec = self.record(self.cell(k, i, p, v))
                    for o in (rec or {}).get("observations", []):
                        entry = dict(o, pattern=p, variant=v)
                        table.setdefault(o["key"], {}).setdefault((k, i), []).append(entry)
        return table

    def latencies(self):
        """[(pattern, metric, (kernel, iommu), p50, p99, N)] from the stock
        runs: guest time under -icount, not hardware time."""
        rows = []
        for p in self.patterns:
            for (k, i) in self.columns:
                rec = self.record(self.cell(k, i, p, plan.STOCK))
                if not rec:
                    continue
                for metric, _ in METRICS:
                    lat = rec.get("lat_ns", {}).get(metric)
                    if lat and lat.get("N"):
                        pct = lat.get("percentile", {})
                        rows.append((p, metric, (k, i), pct.get(P50), pct.get(P99),
                                     lat["N"]))
        return rows


REASON_SHOWN = ("unsupported", "error", "warn")


def plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def reason_of(cell):
    """The text of a cell's row in the reasons table, or None: the harness's
    or the log's reason, or what tests/vm/expect says of it."""
    shown = expectations.shown(cell)
    exp = cell.get("expectation") or {}
    if shown in REASON_SHOWN:
        return cell.get("reason") or None
    if shown not in expectations.MEANING:
        return None
    said = f"tests/vm/expect {exp['key']}" + (f" {exp['value']}" if exp.get("value") else "")
    text = f"{exp['reason']} ({said})"
    return text + (f": {exp['note']}" if exp.get("note") else "")


def compact(value):
    """A field's value in a table cell: lists and objects written out
    briefly, an object with a name as 'name(the rest)'."""
    if isinstance(value, dict):
        rest = ", ".join(f"{k} {compact(v)}" for k, v in value.items() if k != "name")
        return f"{value['name']}({rest})" if "name" in value else "{" + rest + "}"
    if isinstance(value, list):
        return "; ".join(compact(v) for v in value) or "none"
    if value is None:
        return "null"
    return str(value)


def observation_text(obs_list):
    """One observation cell's text: each distinct value with any extra
    fields, in the order first seen. How often each was seen is left out:
    it depends on how many cells ran, not on the driver."""
    seen = []
    for o in obs_list:
        extra = ", ".join(f"{k}={compact(o[k])}" for k in o
                          if k not in OBS_CORE + ("pattern", "variant"))
        text = o["value"] + (f" [{extra}]" if extra else "")
        if text not in seen:
            seen.append(text)
    return seen


def observation_where(obs_list):
    """Which patterns saw it, how many times: for a tooltip."""
    counts = {}
    for o in obs_list:
        counts[o["pattern"]] = counts.get(o["pattern"], 0) + o.get("count", 1)
    return ", ".join(f"{p} x{n}" for p, n in counts.items())


def values_differ(row):
    """True when the columns that observed the key disagree."""
    texts = {tuple(sorted(observation_text(v))) for v in row.values()}
    return len(texts) > 1


def cell_label(cell):
    """The short text of a grid badge: what the cell is shown as, with the
    classes of what it caught or found."""
    if cell is None:
        return "-"
    s = expectations.shown(cell)
    if s == "expected":
        return f"expected: {cell['expectation']['reason']}"
    if s in ("unexpected", "no expectation"):
        # A 1G cell without a 1G leaf says so rather than "unsupported".
        if (cell.get("reason") or "").startswith(cellmod.NO_1G_LEAF):
            return f"{s}: {cellmod.NO_1G_LEAF.rstrip(': ')}"
        return f"{s}: {cell['status']}"
    detail = cellmod.classes(cell)
    label = f"{s}: {detail}" if s in ("caught", "corrupt") and detail else s
    if (cell.get("expectation") or {}).get("outcome") == "no expectation":
        label += " (no expectation)"
    return label


def cell_title(cell):
    """The longer text a badge's tooltip carries."""
    if cell is None:
        return "not in this run"
    parts = [cell["id"], cellmod.MEANING.get(cell["status"], cell["status"])]
    if cell.get("reason"):
        parts.append(cell["reason"])
    exp = cell.get("expectation")
    if exp:
        said = f"{exp['key']} {exp['value'] or ''}".strip()
        parts.append(f"tests/vm/expect ({said}): {exp['outcome']}, {exp['reason']}")
    detail = cellmod.classes(cell)
    if detail and expectations.shown(cell) not in ("caught", "corrupt"):
        parts.append(detail)
    if cell.get("exit_code") is not None:
        parts.append(f"exit {cell['exit_code']}")
    counts = cell.get("counts") or {}
    if counts.get("dma_checks") is not None:
        parts.append(f"{counts['dma_checks']} DMA checks")
    if cell.get("reused_from"):
        parts.append(f"result of run {cell['reused_from']} (same key)")
    return "; ".join(parts)
