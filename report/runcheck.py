"""Checks of a whole run folder (results/validate DIR): the index against
results/matrix-schema.json, every cell of the axes there once, each status
backed by what its files say, every record valid, every KTAP well formed,
every path inside the run."""
import gzip
import json
import os

from . import cells as cellmod
from . import ktap, plan

INDEX_SCHEMA = "matrix-schema.json"
RECORD_SCHEMA = "schema.json"


def load_json(path):
    with open(path) as f:
        return json.load(f)


def inside(run_dir, rel):
    full = os.path.normpath(os.path.join(run_dir, rel))
    return full if full.startswith(os.path.normpath(run_dir) + os.sep) else None


def expected_ids(axes):
    """The cells of a run's axes (patterns: its rows, 1G runs included)."""
    ids = []
    for k in axes["kernels"]:
        for i in axes["iommus"]:
            for p in axes["patterns"]:
                ids += [f"{k}/{i}/{p}/{v}" for v in plan.variants(p, axes["variants"])]
    return ids


# The statuses each outcome of tests/vm/expect's judgement can go with.
OUTCOME_STATUSES = {
    "as expected": {"clean", "caught"},
    "expected": {"corrupt", "missed", "warn", "unsupported"},
    "unexpected": {"clean", "caught", "corrupt", "missed", "warn", "unsupported"},
    "no expectation": {"clean", "caught", "corrupt", "missed", "warn", "unsupported"},
}


def check_expectation(cell, ran, err):
    """A cell that ran is judged against tests/vm/expect, one that did not
    is not; the outcome fits the status and says why."""
    if "expectation" not in cell:
        return      # a run made before the judgement
    exp = cell["expectation"]
    if exp is None:
        if ran:
            err("a cell that ran without its judgement against tests/vm/expect")
        return
    if not ran:
        err(f"judged against tests/vm/expect ({exp['outcome']}), but it did not run")
        return
    if cell["status"] not in OUTCOME_STATUSES[exp["outcome"]]:
        err(f"status {cell['status']} cannot be '{exp['outcome']}'")
    if not exp["reason"]:
        err(f"'{exp['outcome']}' without a reason")
    if exp["outcome"] != "no expectation" and not exp["value"]:
        err(f"'{exp['outcome']}' without the table's value")


def check_cell(run_dir, cell, boots, record_schema, schema_check, errors):
    where = cell["id"]

    def err(msg):
        errors.append(f"{where}: {msg}")

    k, i, p, v = cell["id"].split("/")
    if (cell["kernel"], cell["iommu"], cell["pattern"], cell["variant"]) != (k, i, p, v):
        err("kernel/iommu/pattern/variant do not match the id")
    if cell["dir"] != os.path.join("cells", k, i, f"{p}.{v}"):
        err(f"dir {cell['dir']} is not where the cell belongs")
    files = {}
    for name, rel in cell["paths"].items():
        full = inside(run_dir, rel)
        if not full:
            err(f"path {rel} leaves the run folder")
        elif not os.path.isfile(full):
            err(f"{name}: {rel} missing")
        else:
            files[name] = full
    status = cell["status"]
    if status == "pending":
        err("pending: the run is not complete (resume it with scripts/matrix --out)")
        return
    if "log" not in files:
        err("no log.txt")
    if cell["boot"] is not None and cell["boot"] not in boots:
        err(f"boot {cell['boot']} is not in the index")
    # A cell of the test build ran in a boot of it, and its key says so;
    # no other cell did. The same for a 1G cell and a boot of 1G leaves.
    build = plan.BUILDS[cell["variant"]]
    if cell["boot"] in boots and boots[cell["boot"]].get("build") != build:
        err(f"ran in boot {cell['boot']}, not one of the {build or 'shipped'} build")
    if cell["key"] and (cell["key"].get("build") is None) != (build is None):
        err(f"its key does not name the {build or 'shipped'} build")
    leaves = plan.LEAVES_1G if plan.is_1g(p) else None
    if cell.get("leaves") != leaves:
        err(f"leaves {cell.get('leaves')}, but its row is {p}")
    if cell["boot"] in boots and boots[cell["boot"]].get("leaves") != leaves:
        err(f"ran in boot {cell['boot']}, whose leaves are not {leaves}")
    if cell["key"] and (cell["key"].get("module_params") is None) != (leaves is None):
        err("its key's module parameters are not those of its boot")
    verdict = status in cellmod.VERDICTS.values()
    # A 1G cell the tool ran to a verdict without a 1G leaf is unsupported.
    no_leaf = bool(leaves) and status == "unsupported" and cell["exit_code"] in (0, 1)
    ran = verdict or status == "warn" or no_leaf or (
        status == "unsupported" and cell["exit_code"] == 4)
    if no_leaf and cellmod.VERDICTS.get((cell["variant"], cell["exit_code"])) == "corrupt":
        err("corruption found, but unsupported: a 1G cell's corruption stays corrupt")
    if verdict and cellmod.VERDICTS.get((cell["variant"], cell["exit_code"])) != status:
        err(f"status {status} with variant {cell['variant']} and exit "
            f"{cell['exit_code']}")
    if status == "warn" and not (cell.get("log") or {}).get("warnings"):
        err("status warn but no warning lines counted")
    if status in ("unsupported", "error", "warn") and not cell["reason"]:
        err(f"status {status} without a reason")
    check_expectation(cell, ran, err)
    if not ran:
        return
    if "record" not in files or "ktap" not in files:
        err("a cell that ran needs its record.json and ktap.txt")
        return
    try:
        record = load_json(files["record"])
    except ValueError as e:
        err(f"record.json: {e}")
        return
    for e in schema_check(record, record_schema):
        err(f"record.json: {e}")
    if record.get("exit_code") != cell["exit_code"]:
        err(f"exit {cell['exit_code']} but the record says {record.get('exit_code')}")
    if record.get("status") != cell["verdict"]:
        err(f"verdict {cell['verdict']} but the record says {record.get('status')}")
    if record.get("pattern") != plan.tool_pattern(cell):
        err(f"the record is of pattern {record.get('pattern')}")
    if leaves and cell["exit_code"] in (0, 1):
        why = cellmod.no_1g_leaf(record)
        if status in ("clean", "caught", "missed") and why:
            err(f"{status}, but its record shows no 1G leaf: {why}")
        if no_leaf and not why:
            err("unsupported for want of a 1G leaf, but its record shows one")
    want_inject = "none" if cell["variant"] == plan.STOCK else cell["variant"]
    if record.get("options", {}).get("inject") != want_inject:
        err(f"the record's inject is not {want_inject}")
    if (cell["counts"] or {}).get("corruptions") != record.get("corruptions"):
        err("counts.corruptions differ from the record's")
    with open(files["ktap"]) as f:
        cases, skipped, kerrs = ktap.parse(f.read())
    for e in kerrs:
        err(f"ktap.txt: {e}")
    if cell["exit_code"] == 4 and skipped is None:
        err("unsupported, but its KTAP is not '1..0 # SKIP'")
    if cell["exit_code"] == 1 and not any(c.result == "fail" for c in cases):
        err("caught or corrupt, but no KTAP case failed")


def check_run(run_dir, results_dir, schema_check):
    """Errors of the run in run_dir; schema_check(value, schema) gives the
    errors of one JSON value against a schema (results/validate's)."""
    errors = []
    try:
        idx = load_json(os.path.join(run_dir, "matrix.json"))
    except (OSError, ValueError) as e:
        return [f"matrix.json: {e}"]
    for e in schema_check(idx, load_json(os.path.join(results_dir, INDEX_SCHEMA))):
        errors.append(f"matrix.json: {e}")
    if errors:
        return errors
    record_schema = load_json(os.path.join(results_dir, RECORD_SCHEMA))
    boots = {}
    for boot in idx["boots"]:
        if boot["id"] in boots:
            errors.append(f"boot {boot['id']} twice")
        boots[boot["id"]] = boot
        for name, rel in boot["logs"].items():
            full = inside(run_dir, rel)
            if not full or not os.path.isfile(full):
                errors.append(f"boot {boot['id']}: {name} log {rel} missing")
            elif rel.endswith(".gz"):
                try:
                    with gzip.open(full) as f:
                        f.read()
                except OSError as e:
                    errors.append(f"boot {boot['id']}: {rel}: {e}")
    ids = [c["id"] for c in idx["cells"]]
    if len(set(ids)) != len(ids):
        errors.append("some cell ids appear twice")
    want = expected_ids(idx["axes"])
    missing = sorted(set(want) - set(ids))
    extra = sorted(set(ids) - set(want))
    if missing:
        errors.append(f"cells of the axes missing: {', '.join(missing[:5])}"
                      f"{' ...' if len(missing) > 5 else ''}")
    if extra:
        errors.append(f"cells outside the axes: {', '.join(extra[:5])}")
    for cell in idx["cells"]:
        check_cell(run_dir, cell, boots, record_schema, schema_check, errors)
    complete = all(c["status"] != "pending" for c in idx["cells"])
    if idx["run"]["complete"] != complete:
        errors.append(f"run.complete is {idx['run']['complete']}, cells say {complete}")
    return errors
