"""A cell's result against tests/vm/expect (report/expect.py reads it): what
the VM tests know a kernel and emulated IOMMU show, such as virtio-iommu's
refused overlapping MAP, a control a pattern cannot show there, or the
behaviour probes' answers and WARNINGs.

Each cell that ran gets an expectation in matrix.json:
  as expected     the ordinary result, and the table expects it (clean,
                  caught with the class it names)
  expected        a result that would be a failure or no catch elsewhere,
                  and the table expects it here, with its reason
  unexpected      the table expects otherwise: a failure, whatever the
                  status (a clean run where the table expects corruption
                  means the table or the emulation changed)
  no expectation  the table has no row for it: not judged clean; a failing
                  status stays a failure
Cells that did not run (refused by scripts/vm-run, errors, pending) get
none. The table is not part of a cell's key: a new row judges old results
again without a boot.

The claims about a record are tests/vm/checks.py's, as the VM tests make
them."""
import importlib.util
import json
import os
import re

from . import cells as cellmod
from . import expect, plan

OUTCOMES = ["as expected", "expected", "unexpected", "no expectation"]
# What the report shows a cell as: its status, or what the table makes of
# it where that is not the status (a failure stays shown as its status).
SHOWN = ["clean", "caught", "expected", "no expectation", "corrupt", "missed",
         "warn", "unexpected", "unsupported", "error", "pending"]
FAILED = {"corrupt", "missed", "warn", "unexpected", "error"}
MEANING = {
    "expected": "a result tests/vm/expect expects of this kernel and vIOMMU "
                "(a driver's or the emulation's behaviour, or a control it "
                "cannot show), not a regression",
    "no expectation": "ran, but tests/vm/expect has no row for it: "
                      "nothing says it is right",
    "unexpected": "otherwise than tests/vm/expect expects of this kernel "
                  "and vIOMMU",
}
# A WARNING the behaviour probes counted, as the table's values say it.
WARNED = re.compile(r"kernel WARNINGs: [1-9]")
BEHAVIOUR_KEY = "behaviour."
# Whether a kernel and vIOMMU build 1G leaves: "built" or "none".
LEAF_KEY = "leaf_1g"
LEFT_MAPPED = "behaviour_left_mapped"


def table():
    """The rows of tests/vm/expect (IOMMU_STRESS_EXPECT: another table, for
    the matrix's tests)."""
    return expect.read(os.environ.get("IOMMU_STRESS_EXPECT") or expect.PATH)


def _checks():
    path = os.path.join(plan.ROOT, "tests", "vm", "checks.py")
    spec = importlib.util.spec_from_file_location("istress_vm_checks", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


checks = _checks()


def claim(name, record, *args):
    """None when tests/vm/checks.py's claim holds, else why not."""
    try:
        checks.CLAIMS[name](record, *args)
        return None
    except checks.Fail as e:
        return str(e)
    except (KeyError, IndexError, TypeError) as e:
        return f"{type(e).__name__}: {e}"


def viommu(iommu):
    """The table's IOMMU for a matrix vIOMMU: its scripts/vm-run --iommu
    (intel-pscache is intel-iommu with one more cache)."""
    opts = plan.IOMMUS.get(iommu, {}).get("vm_run", [])
    return opts[opts.index("--iommu") + 1] if "--iommu" in opts else iommu


def table_names(iommu):
    """The names a row of the table may give a matrix vIOMMU: its own (a
    row for intel-pscache alone, where that cache shows what intel-iommu's
    does not) and its scripts/vm-run --iommu."""
    return list(dict.fromkeys([iommu, viommu(iommu)]))


def result(outcome, row=None, key=None, reason="", note=None):
    """An expectation; the row's comment goes with any but the ordinary
    outcome, to say why."""
    if note is None and row is not None and outcome in ("expected", "unexpected"):
        note = row.note
    return {"outcome": outcome, "key": row.key if row else key,
            "value": row.value if row else None, "reason": reason, "note": note}


class Judge:
    def __init__(self, rows, iommu, release):
        self.rows = rows
        self.names = table_names(iommu)
        self.iommu = self.names[-1]
        self.release = release

    def row(self, key):
        """The first row giving KEY for any of the vIOMMU's names."""
        return next((r for r in self.rows if r.key == key and
                     any(r.matches(n, self.release) for n in self.names)), None)

    def run_row(self, key, pattern):
        """KEY.PATTERN where the table has one here, else KEY (tests/vm's
        run_key)."""
        return self.row(f"{key}.{pattern}") or self.row(key)

    def none(self, key):
        return result("no expectation", key=key,
                      reason=f"tests/vm/expect has no {key} for iommu "
                             f"{self.iommu}, kernel {self.release}")

    def stock(self, cell, record):
        row = self.run_row("stock", cell["pattern"])
        if row is None:
            return self.none("stock")
        status, value = cell["status"], row.value
        if value == "clean":
            if status == "clean":
                return result("as expected", row, reason="clean")
            return result("unexpected", row, reason=f"{status} where the table expects clean")
        if value.startswith("corrupt "):
            case = value[len("corrupt "):]
            if status != "corrupt":
                return result("unexpected", row, reason=f"{status} where the table "
                              f"expects corruption in '{case}' alone: the table or "
                              "the emulation changed")
            why = claim("corrupt_only_in", record, case)
            if why:
                return result("unexpected", row, reason=why)
            return result("expected", row, reason=f"corrupt in {case}")
        return result("unexpected", row, reason=f"unknown expectation '{value}'")

    def control(self, cell, record):
        row = self.run_row("skip_flush", cell["pattern"])
        if row is None:
            return self.none("skip_flush")
        status, value = cell["status"], row.value
        if value == "-":
            if status == "unsupported":
                return result("expected", row, reason="not observable")
            return result("unexpected", row, reason=f"{status} where the table says the "
                          "tool refuses the injection here")
        if value == "missed":
            if status == "missed":
                return result("expected", row, reason="missed, not observable")
            return result("unexpected", row, reason=f"{status} where the table says this "
                          "pattern cannot show the skipped flush here: the row is wrong")
        if status != "caught":
            return result("unexpected", row, reason=f"{status} where the table expects "
                          f"{value} data caught")
        why = claim("gt", record, f"corruptions.{value}", "0")
        why = why or claim("corrupt_outside", record, self.stock_case(cell["pattern"]))
        if why:
            return result("unexpected", row, reason=why)
        return result("as expected", row, reason=f"caught, {value}")

    def stock_case(self, pattern):
        """The case the stock row expects corruption in, or "": the
        kernel's own corruption, which a control's cell shows as well."""
        stock = self.run_row("stock", pattern)
        if stock and stock.value.startswith("corrupt "):
            return stock.value[len("corrupt "):]
        return ""

    def wrong_page(self, cell, record):
        """The test build's MAP one page off: caught as the class the
        table names, each read's walk naming the page the device read (the
        table is wrong, no cache is stale). Any other class only where the
        stock row expects this kernel's own corruption, and there alone."""
        row = self.run_row("wrong_page", cell["pattern"])
        if row is None:
            return self.none("wrong_page")
        status, value = cell["status"], row.value
        if status != "caught":
            return result("unexpected", row, reason=f"{status} where the table expects "
                          f"{value} data caught")
        case = self.stock_case(cell["pattern"])
        why = claim("gt", record, f"corruptions.{value}", "0")
        if case:
            why = why or claim("wrong_page_beside", record, value, case)
        else:
            why = why or claim("only_class", record, value) or \
                claim("walk_names_got", record)
        if why:
            return result("unexpected", row, reason=why)
        beside = f", beside the kernel's own in {case}" if case else ""
        return result("as expected", row,
                      reason=f"caught, {value}, the walk names the page read{beside}")

    def leaf_1g(self, cell, otherwise):
        """A 1G cell: unsupported (the tool's exit 4, or a record without a
        1G leaf, cells.no_1g_leaf) is expected where the table's leaf_1g
        says "none" (this kernel and vIOMMU build no 1G leaf, the row's
        comment says why), unexpected where it says "built"; a 1G leaf
        where it says "none" means the row is wrong. Otherwise the cell's
        judgement is its run's, otherwise (by rows KEY.NAME, such as
        stock.promote-1g, else KEY)."""
        row = self.run_row(LEAF_KEY, cell["pattern"])
        status = cell["status"]
        if status == "unsupported":
            if row is None:
                return self.none(LEAF_KEY)
            why = cell["reason"] or "unsupported"
            why = why if why.startswith(cellmod.NO_1G_LEAF) else cellmod.NO_1G_LEAF + why
            if row.value == "none":
                return result("expected", row, reason=why)
            return result("unexpected", row, reason=f"{why}, where the table says one "
                          "is built here")
        if row is not None and row.value == "none" and status in ("clean", "caught", "missed"):
            return result("unexpected", row, reason=f"{status}, a 1G leaf mapped where the "
                          "table says none is built here: the row is wrong")
        if otherwise and otherwise["outcome"] == "as expected" and status != "unsupported":
            return dict(otherwise, reason=otherwise["reason"] + ", over a 1G leaf")
        return otherwise

    def behaviour(self, cell, record):
        keys = sorted({r.key for r in self.rows if r.key.startswith(BEHAVIOUR_KEY)})
        rows = [r for r in (self.row(k) for k in keys) if r is not None]
        if not rows:
            return self.none("behaviour.*")
        off = []
        for r in rows:
            why = claim("observed_is", record or {}, r.key[len(BEHAVIOUR_KEY):], r.value)
            if why:
                off.append(why)
        left = self.row(LEFT_MAPPED)
        if left is not None:
            want = sorted(k for k in left.value.split() if k != "none")
            got = left_mapped(record or {})
            if got != want:
                off.append(f"left mapped after cleanup: {got or 'none'}, not {want or 'none'}")
        warns = any(WARNED.search(r.value) for r in rows)
        if warns and cell["status"] != "warn":
            off.append(f"{cell['status']}, where the table counts a WARNING")
        if not warns and cell["status"] == "warn":
            off.append("a WARNING the table does not count")
        note = " ".join(dict.fromkeys(r.note for r in rows if r.note)) or None
        summary = {"key": "behaviour.*", "value": f"{len(rows)} answers"
                   + (", a WARNING" if warns else "")}
        if off:
            return dict(result("unexpected", reason="; ".join(off), note=note), **summary)
        if cell["status"] == "clean":
            return dict(result("as expected", reason="the driver's answers"), **summary)
        return dict(result("expected", reason="driver's answers" + (", WARN" if warns else ""),
                           note=note), **summary)


def left_mapped(record):
    """Probe keys whose reads after their cleanup found a page (the
    behaviour pattern reports them in the phase 'cleaned up')."""
    return sorted({r["case"].rsplit("(", 1)[-1].rstrip(")")
                   for r in record.get("reported", []) if r.get("phase") == "cleaned up"})


def judge(cell, record, rows):
    """The cell's expectation (see above), or None for a cell that did not
    run: refused by scripts/vm-run, an error, pending."""
    status = cell["status"]
    if status in ("error", "pending") or cell.get("exit_code") is None:
        return None
    release = cell.get("release") or ((record or {}).get("kernel") or {}).get("release") \
        or "unknown"
    j = Judge(rows, cell["iommu"], release)
    if cell["pattern"] == plan.BEHAVIOUR:
        exp = j.behaviour(cell, record)
    elif cell["variant"] == plan.CONTROL:
        exp = j.control(cell, record)
    elif cell["variant"] == plan.WRONG_PAGE:
        exp = j.wrong_page(cell, record)
    else:
        exp = j.stock(cell, record)
    # A 1G cell's control the table says the tool refuses here ("-") is
    # judged by that alone; any other 1G cell by whether it built a leaf.
    if plan.is_1g(cell["pattern"]) and not (
            cell["variant"] == plan.CONTROL and exp and exp["value"] == "-"):
        exp = j.leaf_1g(cell, exp)
    # A cell without a key ran outside the matrix (scripts/host-run), whose
    # settings the table's rows do not describe (overmap without
    # driver_warns=1): a run the tool refused there is unsupported, for
    # the reason its record gives, not otherwise than the table expects.
    if not cell.get("key") and status == "unsupported" and \
            exp and exp["outcome"] == "unexpected":
        return None
    return exp


def read_record(run_dir, cell):
    rel = (cell.get("paths") or {}).get("record")
    if not rel:
        return None
    try:
        with open(os.path.join(run_dir, rel)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def host_np_cache(run_dir):
    """Whether an AMD unit of the host scripts/host-run ran on reports
    NpCache (bit 26 of its cap, as host/iommu-units.txt keeps it), or None
    where the run has no such file."""
    try:
        with open(os.path.join(run_dir, "host", "iommu-units.txt")) as f:
            lines = [line.split() for line in f]
    except OSError:
        return None
    return any(len(w) == 3 and w[0].startswith("ivhd") and w[1] == "cap" and
               re.fullmatch(r"[0-9a-fA-F]{1,8}", w[2]) and int(w[2], 16) >> 26 & 1
               for w in lines)


def judge_entry(run_dir, cell, rows):
    """The cell entry with its expectation, its record read from the run.
    The table's amd rows that say a control is missed rest on NpCache,
    which QEMU's amd-iommu reports: a host's run (no key) whose AMD IOMMU
    does not report it could show the control, which is then missed (as
    scripts/host-run's verdict says)."""
    exp = judge(cell, read_record(run_dir, cell), rows)
    if not cell.get("key") and not_observable(exp) and exp["value"] == "missed" and \
            viommu(cell["iommu"]) == "amd" and host_np_cache(run_dir) is False:
        exp = dict(exp, outcome="unexpected",
                   reason="missed, though this host's IOMMU does not report NpCache "
                          "(host/iommu-units.txt): nothing hides the skipped flush")
    return dict(cell, expectation=exp)


def not_observable(exp):
    """An expected control that cannot show the skipped flush here: refused
    by the tool ("-") or run without a catch ("missed")."""
    return bool(exp) and exp["outcome"] == "expected" and \
        exp["key"].startswith("skip_flush") and exp["value"] in ("-", "missed")


def expected_case(exp, name):
    """Whether a failing check case of an expected cell is what the table
    expects: the case a stock "corrupt CASE" names, or any probe of the
    behaviour pattern (the table has every probe's answer)."""
    if exp["key"] == "behaviour.*":
        return True
    value = exp.get("value") or ""
    return value.startswith("corrupt ") and name.startswith(value[len("corrupt "):])


def shown(cell):
    """What the report shows the cell as (SHOWN)."""
    status = cell["status"]
    outcome = (cell.get("expectation") or {}).get("outcome")
    if outcome == "expected":
        return "expected"
    if outcome == "unexpected" and status not in cellmod.FAILURES:
        return "unexpected"
    if outcome == "no expectation" and status not in cellmod.FAILURES:
        return "no expectation"
    return status


def failed(cell):
    return shown(cell) in FAILED


def meaning(name):
    return MEANING.get(name) or cellmod.MEANING.get(name, name)
