"""The matrix's progress: one line rewritten in place on a terminal, a plain
line per finished cell otherwise."""
import sys
import threading
import time

from . import cells as cellmod
from . import expectations


def duration(seconds):
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def describe(entry):
    """'caught (stale 5)', 'expected: corrupt in ... (corrupt, stale 18)',
    'corrupt (zero 3; unexpected: ...)': a cell in a line."""
    shown, status = expectations.shown(entry), entry["status"]
    exp = entry.get("expectation") or {}
    detail = cellmod.classes(entry) or entry.get("reason") or ""
    if shown == "expected":
        return f"expected: {exp['reason']} ({status}{', ' + detail if detail else ''})"
    if shown != status:
        detail = f"{status}{', ' + detail if detail else ''}; {exp.get('reason')}"
    elif exp.get("outcome") in ("unexpected", "no expectation"):
        detail = f"{detail + '; ' if detail else ''}{exp['outcome']}: {exp.get('reason')}"
    return f"{shown}{' (' + detail + ')' if detail else ''}"


class Progress:
    def __init__(self, total, jobs, stream=sys.stderr):
        self.total = total
        self.jobs = jobs
        self.stream = stream
        self.tty = stream.isatty()
        self.done = 0
        self.failures = 0
        self.unsupported = 0
        self.ran = 0          # cells of the boots finished by this invocation
        self.ran_seconds = 0.0  # and the time those boots took
        self.running = {}     # boot id -> what it is doing
        self.lock = threading.Lock()
        self.start = time.monotonic()

    def eta(self):
        """Seconds left, from the time per cell of the boots finished so far
        (building, booting and bringing results back included: they take
        longer than the cells themselves) and the number of VMs at once;
        None before the first boot is over."""
        if not self.ran:
            return None
        left = self.total - self.done
        return left * (self.ran_seconds / self.ran) / max(1, self.jobs)

    def line(self):
        eta = self.eta()
        parts = [f"{self.done}/{self.total} cells",
                 f"{self.failures} failure{'s' if self.failures != 1 else ''}"]
        if self.unsupported:
            parts.append(f"{self.unsupported} unsupported")
        parts.append("ETA " + (duration(eta) if eta is not None else "?"))
        now = "; ".join(self.running.values())
        return "matrix: " + ", ".join(parts) + (f" [{now}]" if now else "")

    def _show(self):
        if self.tty:
            self.stream.write("\r\x1b[K" + self.line()[:200])
            self.stream.flush()

    def note(self, text):
        """A message that must stay on the screen."""
        with self.lock:
            if self.tty:
                self.stream.write("\r\x1b[K")
            self.stream.write(text + "\n")
            self._show()
            self.stream.flush()

    def doing(self, boot, what):
        with self.lock:
            if what is None:
                self.running.pop(boot, None)
            else:
                self.running[boot] = what
            self._show()

    def finished(self, entry, seconds=None, reused=False):
        with self.lock:
            self.done += 1
            if expectations.failed(entry):
                self.failures += 1
            if entry["status"] == "unsupported":
                self.unsupported += 1
            if not self.tty and not reused:
                took = f" {seconds:.0f} s" if seconds is not None else ""
                self.stream.write(
                    f"matrix: [{self.done}/{self.total}] {entry['id']}: "
                    f"{describe(entry)}{took}\n")
                self.stream.flush()
            self._show()

    def boot_finished(self, cells, seconds):
        with self.lock:
            self.ran += cells
            self.ran_seconds += seconds
            self._show()

    def close(self):
        with self.lock:
            if self.tty:
                self.stream.write("\r\x1b[K" + self.line() + "\n")
            self.stream.write(f"matrix: {self.done}/{self.total} cells in "
                              f"{duration(time.monotonic() - self.start)}, "
                              f"{self.failures} failures, "
                              f"{self.unsupported} unsupported\n")
            self.stream.flush()
