"""A run as KCIDB v5 data (KernelCI's common results database): one
checkout per kernel (the Debian kernel as booted), one build per kernel
(the module and the tool built against it) and one of the module's test
build where the run has wrong-page cells, one test per check case of
each stock run, one per run as a whole and one per negative control.
results/kcidb-schema.json describes what this writes; submitting it is a
POST with a token the submitter holds, not done here.

A result tests/vm/expect expects of the kernel and vIOMMU (report/
expectations.py) is no failure: PASS, with the table's key, value and
reason in misc.expectation (so are its failing check cases); a negative
control the table says cannot be seen there (refused, "-", or run clean,
"missed") is SKIP with the same misc. KCIDB has no status for "known
behaviour", and a FAIL would flag a regression that is none. A result the
table does not expect is FAIL, even a clean one."""
import re

from . import cells as cellmod
from . import expectations, plan

VERSION = {"major": 5, "minor": 0}
DEFAULT_ORIGIN = "iommu_stress_placeholder"
ORIGIN = re.compile(r"^[a-z0-9_]+$")
SUITE = "iommu_stress"
LOG_EXCERPT_MAX = 16384
# A run's exit code as a KCIDB status.
EXIT_STATUS = {0: "PASS", 1: "FAIL", 2: "ERROR", 4: "SKIP"}
CASE_STATUS = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}


def slug(text):
    """A test path component: letters, digits, '_' and '-' only."""
    s = re.sub(r"[^a-z0-9_-]+", "_", text.lower()).strip("_")
    return s or "case"


def kernel_ids(run, origin):
    """{kernel spec: (checkout id, build id)}: stable across runs of the
    same kernel image and sources, so that KCIDB merges them."""
    out = {}
    sources = run.index["run"]["sources_hash"][:12]
    for k in run.kernels:
        key = next((c["key"] for c in run.index["cells"]
                    if c["kernel"] == k and c.get("key")), None)
        if key:
            image = key["kernel_sha256"][:12]
            checkout = f"{origin}:debian-kernel-{image}"
        else:
            checkout = f"{origin}:{run.id}-kernel-{slug(k)}"
        out[k] = (checkout, f"{checkout.split(':', 1)[1]}-{sources}", key)
    return out


def log_excerpt(run_dir, cell):
    path = cell["paths"].get("log")
    if not path:
        return None
    try:
        with open(f"{run_dir}/{path}", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    return text[:LOG_EXCERPT_MAX] or None


def run_status(cell):
    """The KCIDB status of a cell as a whole."""
    s = cell["status"]
    shown = expectations.shown(cell)
    if shown == "expected":
        # A control that cannot show here, or a 1G cell where no 1G leaf
        # can be built: skipped, as the table says.
        return "SKIP" if expectations.not_observable(cell["expectation"]) or \
            s == "unsupported" else "PASS"
    if shown == "unexpected":
        return "FAIL"
    if s == "warn":
        return "FAIL"
    if s == "unsupported":
        return "SKIP"
    if s == "error" or cell["exit_code"] is None:
        return "ERROR"
    if cell["variant"] != plan.STOCK:
        # A negative control passes when the injected bug is caught.
        return {"caught": "PASS", "missed": "FAIL"}.get(s, "ERROR")
    return EXIT_STATUS.get(cell["exit_code"], "ERROR")


def export(run, origin=DEFAULT_ORIGIN):
    if not ORIGIN.match(origin):
        raise ValueError(f"origin {origin!r}: KCIDB origins are [a-z0-9_]+")
    r = run.index["run"]
    ids = kernel_ids(run, origin)
    boots = {b["id"]: b for b in run.index["boots"]}
    checkouts, builds, tests = [], [], []
    for k in run.kernels:
        checkout_id, build_rest, key = ids[k]
        release = run.releases.get(k)
        co = {"id": checkout_id, "origin": origin, "tree_name": "debian",
              "start_time": r["started"], "misc": {"kernel_spec": k}}
        if key:
            co["valid"] = True
            co["comment"] = f"Debian kernel {key['kernel']}"
            co["misc"].update(image_sha256=key["kernel_sha256"])
        if release:
            co["misc"]["release"] = release
        checkouts.append(co)
        ran = any(c["kernel"] == k and c["exit_code"] is not None
                  for c in run.index["cells"])
        build = {"id": f"{origin}:{build_rest}", "origin": origin,
                 "checkout_id": checkout_id, "architecture": "x86_64",
                 "config_name": "debian-amd64", "start_time": r["started"],
                 "comment": "iommu_stress.ko and iommu-stress built against "
                            f"{release or k}",
                 "misc": {"sources_sha256": r["sources_hash"],
                          "commit": r["source"]["commit"],
                          "modified": r["source"]["dirty"]}}
        if ran:
            build["status"] = "PASS"
        builds.append(build)
        test_cells = [c for c in run.index["cells"]
                      if c["kernel"] == k and plan.BUILDS[c["variant"]]]
        if test_cells:
            env = " ".join(f"{n}={v}" for n, v in
                           sorted(plan.BUILD_ENV[plan.TEST_BUILD].items()))
            test = dict(build, id=f"{build['id']}-{plan.TEST_BUILD}",
                        comment=f"the module's test build ({env}) and iommu-stress "
                                f"built against {release or k}",
                        misc=dict(build["misc"], module_build=env))
            test.pop("status", None)
            if any(c["exit_code"] is not None for c in test_cells):
                test["status"] = "PASS"
            builds.append(test)
    for cell in run.index["cells"]:
        if cell["status"] == "pending":
            continue
        build_id = f"{origin}:{ids[cell['kernel']][1]}"
        if plan.BUILDS[cell["variant"]]:
            build_id += f"-{plan.BUILDS[cell['variant']]}"
        key = cell.get("key") or {}
        boot = boots.get(cell.get("boot") or "")
        env = {"comment": f"QEMU TCG guest, vIOMMU {cell['iommu']}: "
                          f"{run.index['iommus'].get(cell['iommu'], '')}",
               "misc": {"kernel": cell["kernel"], "kernel_release": cell.get("release"),
                        "kernel_version": key.get("kernel"), "viommu": cell["iommu"],
                        "qemu": key.get("qemu")}}
        env["misc"] = {k: v for k, v in env["misc"].items() if v is not None}
        base = f"{origin}:{run.id}:{cell['kernel']}:{cell['iommu']}:{cell['pattern']}:{cell['variant']}"
        common = {"origin": origin, "build_id": build_id, "environment": env,
                  "start_time": (boot or {}).get("started") or r["started"]}
        misc = {"run": run.id, "variant": cell["variant"], "command": cell["command"],
                "matrix_status": cell["status"], "key_hash": cell.get("key_hash")}
        if cell.get("reused_from"):
            misc["reused_from"] = cell["reused_from"]
        if cell.get("leaves"):
            misc["module_params"] = plan.SETUP_1G["module"]
        if (cell.get("counts") or {}).get("corruptions"):
            misc["corruptions"] = cell["counts"]["corruptions"]
        exp = cell.get("expectation")
        if exp:
            misc["expectation"] = {k: exp[k] for k in ("outcome", "key", "value", "reason")
                                   if exp.get(k) is not None}
        misc = {k: v for k, v in misc.items() if v is not None}
        whole = dict(common, id=base, status=run_status(cell), misc=misc)
        if cell.get("duration_s") is not None:
            whole["duration"] = cell["duration_s"]
        if cell["variant"] == plan.CONTROL:
            whole["path"] = f"{SUITE}.{cell['pattern']}.negative_control"
            whole["comment"] = ("the injected missing flush (--inject skip-flush) "
                                "must be caught: " + cellmod.MEANING[cell["status"]])
        elif cell["variant"] == plan.WRONG_PAGE:
            whole["path"] = f"{SUITE}.{cell['pattern']}.wrong_page_control"
            whole["comment"] = ("the test build's first MAP one page off (--inject "
                                "wrong-page) must be caught: " + cellmod.MEANING[cell["status"]])
        else:
            whole["path"] = f"{SUITE}.{cell['pattern']}"
            whole["comment"] = cellmod.MEANING[cell["status"]]
        if cell.get("reason"):
            whole["comment"] += f" ({cell['reason']})"
        if exp and exp["outcome"] != "as expected":
            whole["comment"] += f"; tests/vm/expect: {exp['outcome']}, {exp['reason']}"
        if whole["status"] in ("FAIL", "ERROR"):
            excerpt = log_excerpt(run.dir, cell)
            if excerpt:
                whole["log_excerpt"] = excerpt
        tests.append(whole)
        if cell["variant"] != plan.STOCK:
            continue
        record = run.record(cell)
        seen = set()
        for n, case in enumerate((record or {}).get("cases", []), start=1):
            name = slug(case["name"])
            if name in seen:
                name = f"{name}_{n}"
            seen.add(name)
            status = CASE_STATUS.get(case["status"], "ERROR")
            case_misc = {"run": run.id, "checks": case["checks"],
                         "corruptions": case["corruptions"]}
            if status == "FAIL" and expectations.shown(cell) == "expected" and \
                    expectations.expected_case(cell["expectation"], case["name"]):
                status = "PASS"
                case_misc["expectation"] = misc["expectation"]
            t = dict(common, id=f"{base}:{n}",
                     path=f"{SUITE}.{cell['pattern']}.{name}",
                     status=status,
                     comment=case["name"] + (f" (skipped: {case['skip_reason']})"
                                             if case.get("skip_reason") else ""),
                     misc=case_misc)
            tests.append(t)
    return {"version": dict(VERSION), "checkouts": checkouts, "builds": builds,
            "tests": tests}
