"""What changed between a baseline run and this one, cell by cell and
observation by observation; new failures first. Cells compare by what they
are shown as (expectations.shown): a result tests/vm/expect expects is no
failure in either run."""
from . import expectations, model


class Change:
    def __init__(self, kind, what, old, new, note=""):
        self.kind = kind      # new failure, fixed, changed, added, removed
        self.what = what      # a cell id or an observation key and column
        self.old = old
        self.new = new
        self.note = note


ORDER = ["new failure", "fixed", "changed", "added", "removed", "behaviour"]


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


def compare(run, base):
    changes = []
    base_cells = same_cells(run, base)
    for cid in sorted(set(run.cells) | set(base_cells)):
        new, old = run.cells.get(cid), base_cells.get(cid)
        if old is None:
            kind = "new failure" if expectations.failed(new) else "added"
            changes.append(Change(kind, cid, "absent", describe(new), note(new)))
            continue
        if new is None:
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
