"""What changed between a baseline run and this one, cell by cell and
observation by observation; new failures first. Cells compare by what they
are shown as (expectations.shown): a result tests/vm/expect expects is no
failure in either run."""
from . import expectations, model


class Change:
    def __init__(self, kind, what, old, new, note=""):
        self.kind = kind      # one of ORDER
        self.what = what      # a cell id or an observation key and column
        self.old = old
        self.new = new
        self.note = note


ORDER = ["new failure", "fixed", "changed", "added", "removed", "behaviour",
         "not in this run"]


def describe(cell):
    return model.cell_label(cell) if cell else "absent"


def note(cell):
    """Why the cell is as it is now: the harness's or the log's reason, and
    what tests/vm/expect says where it is not the ordinary result."""
    parts = [cell.get("reason") or ""]
    exp = cell.get("expectation") or {}
    if exp and exp["outcome"] != "as expected":
        parts.append(f"tests/vm/expect: {exp['outcome']}, {exp['reason']}")
    return "; ".join(p for p in parts if p)


def same_cells(run, base):
    """{cell id in run: the baseline's cell}: by id, or, for a cell the
    baseline names otherwise, the baseline's cell of the same kernel
    release, IOMMU, pattern and variant (scripts/host-run names a kernel by
    its release, the matrix by the spec it booted)."""
    out = {cid: c for cid, c in base.cells.items() if cid not in run.cells}
    by_release = {(c.get("release"), c["iommu"], c["pattern"], c["variant"]): cid
                  for cid, c in out.items() if c.get("release")}
    for cid, c in run.cells.items():
        if cid in base.cells:
            out[cid] = base.cells[cid]
            continue
        other = by_release.get((c.get("release"), c["iommu"], c["pattern"], c["variant"]))
        if other in out:
            out[cid] = out.pop(other)
    return out


def columns_of(run):
    """The (kernel, IOMMU) pairs a run has cells of, a kernel named both
    as its spec and as its release."""
    cols = set()
    for c in run.cells.values():
        cols.add((c["kernel"], c["iommu"]))
        if c.get("release"):
            cols.add((c["release"], c["iommu"]))
    return cols


def not_run(outside):
    """One change for the baseline's cells that this run's axes leave out
    (a host run against a whole matrix: other kernels and IOMMUs, the
    wrong-page variant): a cell never asked for is no cell removed."""
    parts = []
    for what, values in (("kernel/IOMMU pairs", outside["columns"]),
                         ("patterns", outside["patterns"]),
                         ("variants", outside["variants"])):
        if values:
            vals = sorted(values)
            parts.append(f"{what} " + ", ".join(vals[:6]) +
                         (f" and {len(vals) - 6} more" if len(vals) > 6 else ""))
    return Change("not in this run", f"{outside['cells']} cells", "; ".join(parts),
                  "not run", "compared only where both runs ran")


def left_out(run, ran, old, outside):
    """Whether this run's axes leave the baseline's cell OLD out, counted
    in OUTSIDE when they do."""
    col = f"{old['kernel']}/{old['iommu']}"
    reasons = []
    if (old["kernel"], old["iommu"]) not in ran and \
            (old.get("release"), old["iommu"]) not in ran:
        reasons.append(("columns", col))
    if old["pattern"] not in run.patterns:
        reasons.append(("patterns", old["pattern"]))
    if old["variant"] not in run.variant_axis:
        reasons.append(("variants", old["variant"]))
    for axis, value in reasons:
        outside[axis].add(value)
    outside["cells"] += bool(reasons)
    return bool(reasons)


def compare(run, base):
    changes = []
    base_cells = same_cells(run, base)
    ran = columns_of(run)
    outside = {"cells": 0, "columns": set(), "patterns": set(), "variants": set()}
    for cid in sorted(set(run.cells) | set(base_cells)):
        new, old = run.cells.get(cid), base_cells.get(cid)
        if old is None:
            kind = "new failure" if expectations.failed(new) else "added"
            changes.append(Change(kind, cid, "absent", describe(new), note(new)))
            continue
        if new is None:
            if not left_out(run, ran, old, outside):
                changes.append(Change("removed", cid, describe(old), "absent"))
            continue
        failing_now = expectations.failed(new)
        failed_before = expectations.failed(old)
        if expectations.shown(new) != expectations.shown(old) or \
                new["status"] != old["status"]:
            if failing_now:
                kind = "new failure"
            elif failed_before:
                kind = "fixed"
            else:
                kind = "changed"
            changes.append(Change(kind, cid, describe(old), describe(new), note(new)))
        elif (new.get("counts") or {}).get("corruptions") != \
                (old.get("counts") or {}).get("corruptions"):
            changes.append(Change("changed", cid, describe(old), describe(new),
                                  "corruption counts changed"))
    new_obs, old_obs = run.observations, base.observations
    for key in sorted(set(new_obs) | set(old_obs)):
        for col in run.columns:
            a = model.observation_text(old_obs.get(key, {}).get(col, []))
            b = model.observation_text(new_obs.get(key, {}).get(col, []))
            if col not in base.columns or a == b:
                continue
            changes.append(Change("behaviour", f"{key} ({col[0]}/{col[1]})",
                                  "; ".join(a) or "not observed",
                                  "; ".join(b) or "not observed"))
    if outside["cells"]:
        changes.append(not_run(outside))
    changes.sort(key=lambda c: ORDER.index(c.kind))
    return changes


def changed_observations(run, base):
    """{(key, column)} whose values differ from the baseline's."""
    if base is None:
        return set()
    out = set()
    new_obs, old_obs = run.observations, base.observations
    for key, row in new_obs.items():
        for col in row:
            if col in base.columns and model.observation_text(row[col]) != \
                    model.observation_text(old_obs.get(key, {}).get(col, [])):
                out.add((key, col))
    return out
