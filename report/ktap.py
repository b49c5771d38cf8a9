"""Reading the tool's --ktap output: the plan, the result lines and the
closing totals (as kselftest prints them)."""
import re

RESULT = re.compile(r"^(not )?ok (\d+) ?([^#]*?)\s*(?:#\s*(SKIP|TODO)\b\s*(.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)(?:\s*#\s*SKIP\b\s*(.*))?$")
TOTALS = re.compile(r"^# Totals: pass:(\d+) fail:(\d+) xfail:\d+ xpass:\d+ "
                    r"skip:(\d+) error:\d+$")


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


def parse(text):
    """(cases, skip reason of the whole document or None, errors)."""
    lines = text.splitlines()
    errors, cases = [], []
    if not lines or lines[0] not in ("TAP version 13", "KTAP version 1"):
        return cases, None, ["first line is not 'TAP version 13' or 'KTAP version 1'"]
    plan = skipped = totals = None
    for line in lines[1:]:
        m = PLAN.match(line)
        if m and plan is None:
            plan = int(m.group(1))
            skipped = m.group(2)
            continue
        m = TOTALS.match(line)
        if m:
            totals = tuple(int(x) for x in m.groups())
            continue
        m = RESULT.match(line)
        if m:
            cases.append(Case(int(m.group(2)), not m.group(1), m.group(3).strip(),
                              m.group(4), (m.group(5) or "").strip()))
    if plan is None:
        errors.append("no plan line (1..N)")
    elif plan != len(cases):
        errors.append(f"plan 1..{plan} but {len(cases)} result lines")
    for i, case in enumerate(cases, start=1):
        if case.number != i:
            errors.append(f"result {i} is numbered {case.number}")
            break
    if totals is not None:
        got = (sum(c.result == "pass" for c in cases),
               sum(c.result == "fail" for c in cases),
               sum(c.result == "skip" for c in cases))
        if got != totals:
            errors.append(f"totals say pass/fail/skip {totals}, lines {got}")
    return cases, skipped, errors
