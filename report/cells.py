"""A cell's status from what its run left: the tool's exit code and record,
the kernel log lines of the cell and, when the VM did not get that far, the
harness's reason."""
import re

from . import plan

# Statuses, in the order the report lists them.
STATUSES = ["clean", "caught", "corrupt", "missed", "warn", "unsupported",
            "error", "pending"]
# What each says.
MEANING = {
    "clean": "no corruption (stock kernel)",
    "caught": "negative control: the injected bug (a missing flush, or the "
              "test build's MAP one page off) was caught",
    "corrupt": "corruption on the stock kernel",
    "missed": "negative control: the injected bug was NOT caught",
    "warn": "the guest kernel logged a WARNING, BUG, oops or the like",
    "unsupported": "cannot run here (the tool or scripts/vm-run says why)",
    "error": "the run failed (tool error, guest died, timeout)",
    "pending": "not run yet",
}
# What a run of the tool that finished, with a clean kernel log, is, by
# variant and exit code (results/validate checks the index against it).
VERDICTS = {
    (plan.STOCK, 0): "clean",
    (plan.STOCK, 1): "corrupt",
    (plan.CONTROL, 0): "missed",
    (plan.CONTROL, 1): "caught",
    (plan.WRONG_PAGE, 0): "missed",
    (plan.WRONG_PAGE, 1): "caught",
}
FAILURES = {"corrupt", "missed", "warn", "error"}
# Results a later matrix may take over when the key is the same. A harness
# refusal is not one: vm-run may support the combination by then.
REUSABLE = {"clean", "caught", "corrupt", "missed", "warn"}


def status(variant, exit_code, record, warnings):
    """(status, reason) of a cell whose guest run finished."""
    if warnings:
        return "warn", re.sub(r"^\[\s*[0-9.]+\]\s*", "", warnings[0].strip())
    if record is None:
        return "error", f"no JSON record (exit {exit_code})"
    if record.get("exit_code") != exit_code:
        return "error", (f"exit {exit_code} but the record says "
                         f"{record.get('exit_code')}")
    if exit_code == 4:
        return "unsupported", record.get("unsupported") or "unsupported"
    if (variant, exit_code) in VERDICTS:
        return VERDICTS[(variant, exit_code)], None
    return "error", f"iommu-stress exited {exit_code}"


def reusable(entry):
    return entry.get("status") in REUSABLE or (
        entry.get("status") == "unsupported" and entry.get("exit_code") == 4)


def counts(record):
    """The numbers of a record the index keeps."""
    if record is None:
        return None
    keep = ["iterations", "dma_checks", "dma_failed", "maps", "unmaps",
            "elapsed_ns", "first_corruption_ns"]
    out = {k: record.get(k) for k in keep if k in record}
    out["corruptions"] = dict(record.get("corruptions", {}))
    out["observations"] = len(record.get("observations", []))
    return out


def classes(entry):
    """'stale 12, zero 3' for a cell with corruptions, else ''."""
    corr = ((entry.get("counts") or {}).get("corruptions") or {})
    return ", ".join(f"{k} {v}" for k, v in corr.items()
                     if k != "total" and v)
