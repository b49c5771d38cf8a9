"""KTAP as the tool's --ktap and the unit tests print it, read strictly:
the project's one parser (results/validate's run checks, the LAVA test,
tests/unit/ktap-check).

KTAP (Documentation/dev-tools/ktap.rst), as kselftest prints it: the first
line "TAP version 13" (or "KTAP version 1"), one plan "1..N" (or "1..0 #
SKIP reason") before the results, result lines "ok N name" / "not ok N
name", with "# SKIP reason" directives, numbered 1..N in order, "#"
diagnostics anywhere, and a closing "# Totals: pass:P fail:F xfail:0
xpass:0 skip:S error:0" whose counts match the result lines. The
project's test programs may close with one more line, "P passed, F
failed" (and ", S skipped"), which the test scripts add up: its counts
must match too. Any other line is an error."""
import re

RESULT = re.compile(r"^(not )?ok (\d+)(?: ([^#]*?))?\s*(?:#\s*(SKIP|TODO)\b\s*(.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)(?:\s*#\s*SKIP\b\s*(.*))?$")
TOTALS = re.compile(r"^# Totals: pass:(\d+) fail:(\d+) xfail:\d+ xpass:\d+ "
                    r"skip:(\d+) error:\d+$")
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$")
VERSIONS = ("TAP version 13", "KTAP version 1")


class Case:
    def __init__(self, number, ok, name, directive, reason):
        self.number = number
        self.ok = ok
        self.name = name
        self.directive = directive
        self.reason = reason

    @property
    def result(self):
        """pass, fail or skip."""
        if self.directive == "SKIP":
            return "skip"
        return "pass" if self.ok else "fail"


def counts(cases):
    """{pass, fail, skip: how many cases}."""
    out = {"pass": 0, "fail": 0, "skip": 0}
    for c in cases:
        out[c.result] += 1
    return out


def parse(text):
    """(cases, skip reason of the whole document or None, errors)."""
    lines = text.splitlines()
    if not lines or lines[0] not in VERSIONS:
        return [], None, ["first line is not 'TAP version 13' or 'KTAP version 1'"]
    summary = SUMMARY.match(lines[-1])
    if summary:
        lines = lines[:-1]
    errors, cases = [], []
    plan = skipped = totals = None
    for no, line in enumerate(lines[1:], start=2):
        m = PLAN.match(line)
        if m:
            if plan is not None:
                errors.append(f"line {no}: second plan")
            if cases:
                errors.append(f"line {no}: plan after results")
            plan, skipped = int(m.group(1)), m.group(2)
            continue
        m = RESULT.match(line)
        if m:
            case = Case(int(m.group(2)), not m.group(1), (m.group(3) or "").strip(),
                        m.group(4), (m.group(5) or "").strip())
            cases.append(case)
            if case.number != len(cases):
                errors.append(f"line {no}: test {case.number}, expected {len(cases)}")
            if not case.name:
                errors.append(f"line {no}: result without a name")
            continue
        m = TOTALS.match(line)
        if m:
            if totals is not None:
                errors.append(f"line {no}: second '# Totals:' line")
            totals = tuple(int(x) for x in m.groups())
            continue
        if line.startswith("#") or not line.strip():
            continue
        errors.append(f"line {no}: neither a result, a plan nor a diagnostic: {line!r}")
    if plan is None:
        errors.append("no plan line (1..N)")
    elif plan != len(cases):
        errors.append(f"plan 1..{plan} but {len(cases)} result lines")
    got = counts(cases)
    got = (got["pass"], got["fail"], got["skip"])
    if totals is None:
        errors.append("no '# Totals:' line")
    elif totals != got:
        errors.append(f"totals say pass/fail/skip {totals}, the results {got}")
    if summary and tuple(int(x or 0) for x in summary.groups()) != got:
        errors.append(f"closing line '{summary.group(0)}' does not match the "
                      f"results {got}")
    return cases, skipped, errors
