"""The guest kernel log of one boot, cut into its cells and trimmed to what
matters: warnings and their traces, IOMMU faults, the module's lines."""
import os
import re

from . import guest, plan

KERNEL_LOG_C = os.path.join(plan.ROOT, "tool", "report", "kernel_log.c")


def c_strings(table, path=KERNEL_LOG_C):
    """The first string of each row of the C array @table in @path (the
    tool's own tables, so that the matrix and the record agree)."""
    with open(path) as f:
        m = re.search(r"\b" + table + r"\[\] = \{\n(.*?)\n\};", f.read(), re.S)
    if not m:
        raise RuntimeError(f"no {table}[] in {path}")
    rows = re.findall(r'^\s*\{?\s*"((?:[^"\\]|\\.)*)"', m.group(1), re.M)
    if not rows or any("\\" in r for r in rows):
        raise RuntimeError(f"{table}[] in {path}: no rows, or an escape")
    return rows


def words(strings):
    return re.compile("|".join(re.escape(s) for s in strings))


# The faults the emulated IOMMUs report, one line each (Intel's DMAR,
# AMD-Vi's event log, virtio-iommu's fault events), and the lines that go
# with them: the words kernel_log.c counts a record's faults by.
FAULT = words(c_strings("fault_lines"))
FAULT_COMPANION = words(c_strings("fault_companions"))
OURS = re.compile(r"iommu_stress|istress_edu_dma|iommu-stress")
# A warning's report runs from "cut here" to "end trace".
REPORT_START = re.compile(r"-+\[ cut here \]-+")
REPORT_END = re.compile(r"---\[ end trace")
MAX_LINES = 300


def bad_log_pattern(vm_run=os.path.join(plan.ROOT, "scripts", "lib", "log-problems.sh")):
    """The lines that fail a vm-run (the BAD_LOG it reads): the matrix judges
    them by the same rule, per cell."""
    with open(vm_run) as f:
        for line in f:
            m = re.match(r"^BAD_LOG='(.*)'$", line.rstrip("\n"))
            if m:
                return re.compile(m.group(1))
    raise RuntimeError(f"no BAD_LOG= line in {vm_run}")


def split(text):
    """{cell guest name: its lines} and the lines before the first cell."""
    sections = {}
    before = []
    current = None
    for line in text.splitlines():
        m = guest.KLOG.search(line)
        if m:
            current = m.group(2) if m.group(1) == "begin" else None
            if current is not None:
                sections.setdefault(current, [])
            continue
        if current is None:
            if not sections:
                before.append(line)
        else:
            sections[current].append(line)
    return sections, before


def problems(lines, bad):
    return [line for line in lines if bad.search(line)]


def faults(lines):
    return [line for line in lines if FAULT.search(line)]


def trim(lines, bad):
    """The lines worth keeping beside a cell's result: whole warning
    reports, other problem lines, faults and the module's own lines."""
    kept = []
    in_report = False
    for line in lines:
        if REPORT_START.search(line):
            in_report = True
        if (in_report or bad.search(line) or FAULT.search(line) or
                FAULT_COMPANION.search(line) or OURS.search(line)):
            kept.append(line)
        if in_report and REPORT_END.search(line):
            in_report = False
    if len(kept) > MAX_LINES:
        more = len(kept) - MAX_LINES
        kept = kept[:MAX_LINES] + [f"... {more} more lines in the boot's full log"]
    return kept
