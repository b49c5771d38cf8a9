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


# What a 1G cell's record must show: the module let the driver build 1G
# leaves (IOMMU_STRESS_FEAT_1G_LEAVES of include/uapi/linux/iommu_stress.h,
# allow_1g_leaves=1), the driver takes 1G pages, and the run mapped one.
FEAT_1G_LEAVES = 1 << 4
SZ_1G = 1 << 30
SUPERPAGE_CASE = "superpage read right after the map"
CHURN_1G = "churn: 1G maps"
USED = re.compile(r"^used: (\d+)")
NO_1G_LEAF = "no 1G leaf: "


def hex_or_zero(value):
    try:
        return int(value, 16)
    except (TypeError, ValueError):
        return 0


def no_1g_leaf(record):
    """Why the record of a 1G cell shows no 1G leaf mapped, or None where
    it shows one: a whole 1G-aligned gigabyte of a 1G chunk in one MAP,
    one driver call, where the module allows 1G leaves and the driver
    takes 1G pages. promote --to 1G maps and reads its superpage (its case
    SUPERPAGE_CASE checked); churn says how many of its 1G maps succeeded
    (CHURN_1G), and where it could make none it says why and runs on with
    4K and 2M maps alone, clean."""
    features = hex_or_zero((record.get("module") or {}).get("features"))
    if not features & FEAT_1G_LEAVES:
        return "the module does not let the driver build 1G leaves (allow_1g_leaves=1)"
    pgsizes = (record.get("iommu") or {}).get("pgsize_bitmap")
    if not hex_or_zero(pgsizes) & SZ_1G:
        return f"the IOMMU driver takes no 1G pages (pgsize_bitmap {pgsizes})"
    pattern = record.get("pattern")
    if pattern == "promote":
        if ((record.get("options") or {}).get("pattern") or {}).get("to") != SZ_1G:
            return "not promote --to 1G"
        checks = sum(c.get("checks", 0) for c in record.get("cases", [])
                     if c.get("name") == SUPERPAGE_CASE)
        return None if checks else f"no 1G superpage mapped and read ({SUPERPAGE_CASE}: no checks)"
    if pattern == "churn":
        said = [o.get("value", "") for o in record.get("observations", [])
                if o.get("key") == CHURN_1G]
        used = sum(int(m.group(1)) for m in (USED.match(v) for v in said) if m)
        if used:
            return None
        return f"churn made no 1G map ({CHURN_1G}: {'; '.join(said) or 'not said'})"
    return f"the record of {pattern} does not say whether it mapped a 1G leaf"


def status(variant, exit_code, record, warnings, leaves=None):
    """(status, reason) of a cell whose guest run finished. A 1G cell
    (leaves) whose record shows no 1G leaf is unsupported, whatever the
    tool's verdict but corruption: it did not run what its row says."""
    out = verdict(variant, exit_code, record, warnings)
    if leaves and out[0] in ("clean", "caught", "missed"):
        why = no_1g_leaf(record)
        if why:
            return "unsupported", NO_1G_LEAF + why
    return out


def verdict(variant, exit_code, record, warnings):
    """(status, reason) from the tool's exit code and record and the kernel
    log alone."""
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
    """A result of the cell's key: a harness refusal is not (no exit code)."""
    return entry.get("status") in REUSABLE or (
        entry.get("status") == "unsupported" and entry.get("exit_code") in (0, 1, 4))


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
