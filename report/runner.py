"""VM boots of the matrix: one per (kernel, vIOMMU), running all of its
cells that need running, up to --jobs at once. A boot whose guest dies
takes only the cell it died in: the cells it did not finish run again in a
new boot."""
import collections
import datetime
import gzip
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

from . import cells as cellmod
from . import expectations, guest, index, keys, klog, plan

# The matrix's tests put a stand-in here (tests/report/fake-vm-run).
VM_RUN = os.environ.get("IOMMU_STRESS_VM_RUN") or os.path.join(plan.ROOT, "scripts", "vm-run")
GUEST_SCRIPT = "istress-matrix"
# scripts/vm-run's exit statuses (its --help): it refused the combination
# (a vIOMMU the kernel has no driver for), a harness error, a timeout.
REFUSED = 4
HARNESS_ERROR = 125
TIMEOUT = 124
# Building, booting and bringing results back may take this long (a chroot
# for sid's kbuild is made on first use); a cell has --cell-timeout.
BOOT_LIMIT = 1800
# A VM stopped with TERM that is still there this much later gets KILL: a
# hung guest must not hold the matrix past its timeout.
KILL_AFTER = 30


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def read(path, binary=False):
    try:
        with open(path, "rb" if binary else "r", errors=None if binary else "replace") as f:
            return f.read()
    except OSError:
        return None


def last_error(text):
    """vm-run's reason: its last 'error: ' line, else its last line (what
    failed to start it, say)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    errors = [line[len("error: "):] for line in lines if line.startswith("error: ")]
    return errors[-1] if errors else (lines[-1] if lines else None)


class Interrupted(Exception):
    pass


class Watch:
    """What the console of one boot showed."""

    def __init__(self):
        self.console = collections.deque(maxlen=20000)
        self.began = {}       # cell -> host time of its begin marker
        self.ended = {}       # cell -> (exit status, host time of its end marker)
        self.current = None   # the cell running now
        self.stopped = None   # (cell or None, limit) when the watch stopped the VM


class Runner:
    def __init__(self, run_dir, run_id, idx, progress, jobs, cell_timeout,
                 cache, max_timeouts=2, expect_rows=()):
        self.run_dir = run_dir
        self.run_id = run_id
        self.index = idx
        self.progress = progress
        self.jobs = jobs
        self.cell_timeout = cell_timeout
        self.max_timeouts = max_timeouts
        self.cache = cache
        self.expect_rows = expect_rows   # tests/vm/expect, for the judgement
        self.lock = threading.Lock()
        self.procs = set()
        self.stopping = False
        self.bad = klog.bad_log_pattern()

    # The index, shared by the boots' threads.
    def update(self, entry=None, boot=None):
        with self.lock:
            if entry is not None:
                cells = self.index["cells"]
                for i, c in enumerate(cells):
                    if c["id"] == entry["id"]:
                        cells[i] = entry
                        break
            if boot is not None:
                boots = [b for b in self.index["boots"] if b["id"] != boot["id"]]
                self.index["boots"] = boots + [boot]
            index.save(self.run_dir, self.index)

    def run(self, groups):
        """groups: [(kernel, iommu, build, leaves, [(Cell, entry)])] with
        pending cells."""
        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            futures = [pool.submit(self.run_group, *g) for g in groups]
            try:
                for f in futures:
                    f.result()
            except KeyboardInterrupt:
                self.stop()
                for f in futures:
                    f.cancel()
                raise Interrupted() from None

    def stop(self):
        self.stopping = True
        with self.lock:
            procs = list(self.procs)
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def run_group(self, kernel, iommu, build, leaves, todo):
        attempt = 0
        hung = []    # the cells that did not end within the cell timeout
        pair = pair_name(kernel, iommu, build, leaves)
        kind = (f"-{build}" if build else "") + (f"-{leaves.lower()}" if leaves else "")
        while todo and not self.stopping:
            attempt += 1
            boot_id = f"{self.run_id}-{kernel}-{iommu}{kind}-{attempt}"
            try:
                todo, stopped_in = self.boot(boot_id, kernel, iommu, build, leaves, todo)
            except Exception as e:  # noqa: BLE001 - one pair's trouble stops only that pair
                self.progress.note(f"matrix: {pair}: {traceback.format_exc()}")
                for cell, entry in todo:
                    self.finish(cell, entry, None, status="error",
                                reason=f"the matrix failed: {e!r}")
                return
            if stopped_in:
                hung.append(stopped_in)
            if todo and len(hung) >= self.max_timeouts:
                # A pair whose cells hang one after the other (seen: QEMU
                # 10.2's amd-iommu on 5.10 and 6.1) would cost a timeout
                # and a boot per cell; the rest are left for a later run.
                for cell, entry in todo:
                    self.finish(cell, entry, None, status="error",
                                reason=f"not run: the guest hung in {len(hung)} cells of "
                                       f"{pair} ({', '.join(hung)}: no end within "
                                       f"{self.cell_timeout} s), the pair's other cells "
                                       "are left for a later run")
                return

    def boot(self, boot_id, kernel, iommu, build, leaves, todo):
        """One VM boot running the cells of todo, on the module's build
        (None: as shipped; plan.TEST_BUILD: its test build), with 1G leaves
        (plan.LEAVES_1G: plan.SETUP_1G's memory and module parameter) or
        not; returns those to run again and the cell that did not end
        within the cell timeout, or None."""
        work = os.path.join(self.run_dir, ".work", boot_id)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(os.path.join(work, "in"))
        script = os.path.join(work, "in", GUEST_SCRIPT)
        with open(script, "w") as f:
            f.write(guest.script([c for c, _ in todo],
                                 plan.SETUP_1G["module"] if leaves else None))
        boot_dir = os.path.join(self.run_dir, "boots", boot_id)
        os.makedirs(boot_dir, exist_ok=True)
        vm_log = os.path.join(boot_dir, "vm-run.txt")
        out = os.path.join(work, "out")
        timeout = 180 + self.cell_timeout * len(todo)
        args = ["--kernel", kernel] + keys.vm_run_options(todo[0][0]) + [
            "--timeout", str(timeout), "--add", script,
            "--", "sh", "/bin/" + GUEST_SCRIPT]
        # stdbuf: vm-run streams the console through tr, which would hold
        # it in a block buffer; line by line, each cell's end shows at once.
        cmd = ["stdbuf", "-oL", VM_RUN, "--out", out] + args
        shown = " ".join(["scripts/vm-run"] + args).replace(work, "WORK")
        # The build is the environment vm-run builds the module with; no
        # other boot inherits it from the caller's.
        env = {k: v for k, v in os.environ.items()
               if k not in {n for b in plan.BUILD_ENV.values() for n in b}}
        if build:
            env.update(plan.BUILD_ENV[build])
            shown = " ".join(f"{k}={v}" for k, v in sorted(plan.BUILD_ENV[build].items())) \
                + " " + shown
        boot = {"id": boot_id, "kernel": kernel, "iommu": iommu,
                "started": now_iso(), "command": shown,
                "vm_run_exit": None, "duration_s": None, "reason": None,
                "logs": {"vm_run": os.path.relpath(vm_log, self.run_dir)}}
        if build:
            boot["build"] = build
        if leaves:
            boot["leaves"] = leaves
            boot["module_params"] = plan.SETUP_1G["module"]
        pair = pair_name(kernel, iommu, build, leaves)
        by_name = {c.guest_name: (c, e) for c, e in todo}
        t0 = time.monotonic()
        self.progress.doing(boot_id, f"{pair}: building, booting")
        with open(vm_log, "w") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err,
                                    stdin=subprocess.DEVNULL, text=True, env=env,
                                    errors="replace", start_new_session=True)
            with self.lock:
                self.procs.add(proc)
            watch = self.watch(proc, boot_id, pair, by_name)
            rc = proc.wait()
            with self.lock:
                self.procs.discard(proc)
        self.progress.doing(boot_id, None)
        boot.update(vm_run_exit=rc, duration_s=round(time.monotonic() - t0, 1))
        if self.stopping:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(boot_dir, ignore_errors=True)
            return [], False
        requeue = self.collect(boot, boot_dir, out, by_name, watch, rc)
        shutil.rmtree(work, ignore_errors=True)
        self.progress.boot_finished(len(by_name) - len(requeue), boot["duration_s"])
        return requeue, (watch.stopped or (None,))[0]

    def watch(self, proc, boot_id, pair, by_name):
        """Follow the console vm-run streams: the cells' markers, and a cell
        that does not end within the cell timeout (or a boot that does not
        reach its first cell, or end after its last, within BOOT_LIMIT),
        whose VM is then stopped. Returns a Watch."""
        w = Watch()
        lines = queue.Queue()

        def pump():
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        since = time.monotonic()
        stopped_at, killed = None, False
        while True:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                line = ""
            if line is None:
                break
            if line:
                w.console.append(line.rstrip("\n"))
                m = guest.CONSOLE.search(line)
                if m and m.group(2) in by_name:
                    since = time.monotonic()
                    name = m.group(2)
                    if m.group(1) == "begin":
                        w.began[name] = since
                        w.current = name
                        self.progress.doing(boot_id, f"{pair}: {name}")
                    elif m.group(3) is not None:
                        w.ended[name] = (int(m.group(3)), since)
                        w.current = None
            limit = self.cell_timeout if w.current else BOOT_LIMIT
            if w.stopped is None and not self.stopping and time.monotonic() - since > limit:
                w.stopped = (w.current, limit)
                stopped_at = time.monotonic()
                self.signal(proc, signal.SIGTERM)
            elif w.stopped and not killed and time.monotonic() - stopped_at > KILL_AFTER:
                killed = True
                self.signal(proc, signal.SIGKILL)
        return w

    @staticmethod
    def signal(proc, sig):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass

    def collect(self, boot, boot_dir, out, by_name, watch, rc):
        vm_text = read(os.path.join(boot_dir, "vm-run.txt"))
        console = read(os.path.join(out, "console.txt"))
        if console is None and watch.stopped:
            # Stopped by the watch: vm-run brought nothing back, but its
            # console went by.
            console = "\n".join(watch.console) + "\n"
        dmesg = read(os.path.join(out, "dmesg.txt"))
        for name, text in (("console", console), ("dmesg", dmesg)):
            if text is not None:
                path = os.path.join(boot_dir, f"{name}.txt.gz")
                with gzip.open(path, "wt") as f:
                    f.write(text)
                boot["logs"][name] = os.path.relpath(path, self.run_dir)
        began, ended = watch.began, watch.ended
        if console is None:
            # vm-run stopped before the VM ran: it refused the combination
            # (unsupported), or anything else went wrong (a build, a
            # download, QEMU: error).
            reason = last_error(vm_text) or f"scripts/vm-run exited {rc}"
            boot["reason"] = reason
            status = "unsupported" if rc == REFUSED else "error"
            self.update(boot=boot)
            for cell, entry in by_name.values():
                self.finish(cell, entry, boot, status=status, reason=reason)
            return []
        if watch.stopped:
            name, limit = watch.stopped
            why = (f"timeout: no end within {limit} s, the matrix stopped the VM"
                   if name else f"timeout: no cell began within {limit} s")
            last = self.last_console_line(watch.console)
            if last:
                why += f"; the console's last line: {last}"
        elif rc == TIMEOUT:
            why = "timeout: scripts/vm-run killed the VM"
        elif rc == HARNESS_ERROR:
            why = last_error(vm_text) or "the guest died"
        else:
            why = None
        boot["reason"] = why
        self.update(boot=boot)
        sections, before = klog.split(dmesg or "")
        early = klog.problems(before, self.bad)
        requeue = []
        for name, (cell, entry) in by_name.items():
            if name in ended:
                code, t_end = ended[name]
                record = read(os.path.join(out, name + ".json"))
                if record is None and why:
                    requeue.append((cell, entry))     # lost with the guest
                    continue
                self.finish_ran(cell, entry, boot, out, code, record,
                                sections.get(name, []), early,
                                t_end - began.get(name, t_end))
            elif name in began:
                lines = self.console_section(console, name)
                self.finish(cell, entry, boot, status="error",
                            reason=why or "the guest stopped in this cell",
                            log=klog.trim(lines, self.bad))
            elif why and began:
                requeue.append((cell, entry))
            else:
                # None began: the guest script stopped before its first
                # cell (a 1G boot's module reload), as its console says.
                last = None if began else self.last_console_line(watch.console)
                self.finish(cell, entry, boot, status="error",
                            reason=why or "the cell did not run" +
                            (f"; the console's last line: {last}" if last else ""))
        return requeue

    @staticmethod
    def last_console_line(console):
        """What the guest said last, without its time stamp: where it hung."""
        for line in reversed(console):
            line = line.strip()
            if line and not guest.CONSOLE.search(line):
                return re.sub(r"^\[\s*[0-9.]+\]\s*", "", line)[:200]
        return None

    @staticmethod
    def console_section(console, name):
        lines, inside = [], False
        for line in console.splitlines():
            m = guest.CONSOLE.search(line)
            if m and m.group(2) == name:
                inside = m.group(1) == "begin"
                continue
            if inside:
                lines.append(line)
        return lines

    def finish_ran(self, cell, entry, boot, out, code, record_text, lines,
                   early, seconds):
        try:
            record = json.loads(record_text) if record_text else None
        except ValueError:
            record = None
        warnings = klog.problems(lines, self.bad) + early
        status, reason = cellmod.status(cell.variant, code, record, warnings, cell.leaves)
        if early and status == "warn" and not klog.problems(lines, self.bad):
            reason = "before the first cell: " + reason
        files = {}
        if record_text:
            files["record"] = ("record.json", record_text)
        for key, src, dest in (("ktap", ".ktap", "ktap.txt"),
                               ("stderr", ".err", "stderr.txt")):
            text = read(os.path.join(out, cell.guest_name + src))
            if text:
                files[key] = (dest, text)
        if status == "error" and "stderr" in files:
            # The tool says why it stopped on its last line.
            last = [x for x in files["stderr"][1].splitlines() if x.strip()]
            if last:
                reason = f"{reason}: {last[-1].strip()}"
        log = klog.trim(lines, self.bad)
        self.finish(cell, entry, boot, status=status, reason=reason,
                    exit_code=code, record=record, files=files, log=log,
                    seconds=seconds, faults=len(klog.faults(lines)),
                    warnings=len(warnings))

    def finish(self, cell, entry, boot, status, reason=None, exit_code=None,
               record=None, files=None, log=None, seconds=None, faults=0,
               warnings=0):
        cell_dir = os.path.join(self.run_dir, cell.dir)
        shutil.rmtree(cell_dir, ignore_errors=True)
        os.makedirs(cell_dir)
        paths = {}
        for key, (name, text) in (files or {}).items():
            with open(os.path.join(cell_dir, name), "w") as f:
                f.write(text)
            paths[key] = os.path.join(cell.dir, name)
        with open(os.path.join(cell_dir, "log.txt"), "w") as f:
            f.write("\n".join(log or []) + ("\n" if log else ""))
        paths["log"] = os.path.join(cell.dir, "log.txt")
        for name in ("dmesg", "console"):
            if boot and name in boot["logs"]:
                paths["boot_" + name] = boot["logs"][name]
        entry = dict(entry, status=status, reason=reason, exit_code=exit_code,
                     verdict=record.get("status") if record else None,
                     release=(record or {}).get("kernel", {}).get("release"),
                     counts=cellmod.counts(record), boot=boot["id"] if boot else None,
                     run=self.run_id, reused_from=None,
                     duration_s=round(seconds, 1) if seconds is not None else None,
                     log={"warnings": warnings, "faults": faults},
                     paths=paths)
        entry["expectation"] = expectations.judge(entry, record, self.expect_rows)
        self.update(entry=entry)
        if cellmod.reusable(entry) and entry.get("key_hash") and self.cache:
            self.cache.put(self.run_dir, entry, boot)
        self.progress.finished(entry, seconds)


def plan_groups(cells_entries):
    """[(kernel, iommu, build, leaves, [(Cell, entry)])] in the order of the
    plan: a boot for each."""
    groups = {}
    for cell, entry in cells_entries:
        groups.setdefault(cell.group, []).append((cell, entry))
    return [(k, i, b, l, todo) for (k, i, b, l), todo in groups.items()]


def pair_name(kernel, iommu, build, leaves):
    """A boot's pair as progress lines and reasons name it."""
    what = [f"{build} build"] if build else []
    what += [f"{leaves} leaves"] if leaves else []
    return f"{kernel}/{iommu}" + (f" ({', '.join(what)})" if what else "")
