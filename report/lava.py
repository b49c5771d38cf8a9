"""LAVA: a job for one cell (device type qemu, the kernel and the vm-run
initramfs deployed to tmpfs, a test definition that runs the tool and
reports each KTAP case with lava-test-case), a device file for running it
locally with lava-run, and the case results read back from its output."""
import re
import shlex

from . import pattern_runs, plan

PROMPT = "istress-lava# "

# scripts/vm-run writes the QEMU command it ran to qemu-command.txt; the
# job starts the same machine. LAVA gives QEMU these itself: the images
# (the deploy's image_arg), the memory (context.memory), and the console,
# display, monitor and network (the device type's options).
LAVA_GIVES = {"-kernel", "-initrd", "-append", "-m"}
LAVA_REPLACES = {"-serial", "-display", "-monitor", "-nic"}
# The vm-run initramfs sends its results over a second serial port
# (ttyS1) and stops if it cannot open it; under LAVA nobody reads it. Both
# ports are named: an isa-serial device alone would take ttyS0 from the
# console.
SERIAL_PORTS = "-serial mon:stdio -serial null"


class VmRunCommand:
    """The QEMU command of one scripts/vm-run boot, as LAVA needs it."""

    def __init__(self, lines):
        self.qemu = lines[0]
        self.extra_options = []
        given = {}
        args, i = lines[1:], 0
        while i < len(args):
            flag = args[i]
            value = None
            if i + 1 < len(args) and not args[i + 1].startswith("-"):
                value = args[i + 1]
            i += 1 if value is None else 2
            if flag in LAVA_GIVES:
                given[flag] = value
            elif flag not in LAVA_REPLACES:
                self.extra_options.append(
                    flag if value is None else f"{flag} {shlex.quote(value)}")
        self.extra_options.append(SERIAL_PORTS)
        missing = LAVA_GIVES - set(given)
        if missing:
            raise ValueError(f"no {', '.join(sorted(missing))} in vm-run's QEMU command")
        self.memory = int(given["-m"])
        self.kernel = given["-kernel"]
        self.initrd = given["-initrd"]
        self.append = given["-append"]

    @property
    def cmdline(self):
        """The kernel command line for LAVA, which waits for the kernel's
        "Linux version" banner: quiet would hide it."""
        return " ".join(w for w in self.append.split() if w != "quiet")

    @classmethod
    def read(cls, path):
        with open(path) as f:
            return cls(f.read().splitlines())

# The command the initramfs runs (as vm-run's COMMAND): under vm-run, which
# builds and checks the initramfs, it returns at once; booted by LAVA, whose
# overlay adds /lava-<job id>/, it becomes the shell LAVA drives.
SHELL_COMMAND = ("for d in /lava-*; do if [ -d \"$d\" ]; then "
                 f"PS1='{PROMPT}' exec sh -i </dev/console >/dev/console 2>&1; "
                 "fi; done; exit 0")

# Turn each KTAP result line into a lava-test-case call: LAVA's case names
# take letters, digits, '_', '-' and '.', up to 100 characters.
KTAP_TO_CASES = (
    "awk 'match($0, /^(not )?ok [0-9]+ /) {"
    " r = ($0 ~ /^not /) ? \"fail\" : \"pass\";"
    " n = substr($0, RLENGTH + 1);"
    " if (n ~ /# *SKIP/) r = \"skip\";"
    " sub(/ *#.*$/, \"\", n);"
    " gsub(/[^A-Za-z0-9_.-]+/, \"_\", n);"
    " sub(/_+$/, \"\", n);"
    " print \"lava-test-case \" substr(n, 1, 100) \" --result \" r }'"
)


def definition(cell):
    """The Lava-Test Test Definition 1.0 that runs the cell in the guest."""
    command = " ".join(shlex.quote(a) for a in cell.argv)
    steps = [
        "cd /tmp",
        # LAVA runs the steps under set -e: a run that finds corruption
        # (exit 1) must not end them before its cases are reported.
        f"{command} --ktap >/tmp/istress.ktap 2>/tmp/istress.err "
        "&& echo 0 >/tmp/istress.rc || echo $? >/tmp/istress.rc",
        "cat /tmp/istress.ktap",
        "echo \"iommu-stress exited $(cat /tmp/istress.rc)\"",
        f"{KTAP_TO_CASES} /tmp/istress.ktap >/tmp/istress-cases.sh",
        ". /tmp/istress-cases.sh",
    ]
    return {
        "metadata": {
            "format": "Lava-Test Test Definition 1.0",
            "name": f"iommu-stress-{cell.pattern}",
            "description": f"iommu-stress {cell.pattern} ({cell.variant}): "
                           "one LAVA test case per KTAP case",
        },
        "run": {"steps": steps},
    }


def job(cell, vm, kernel_url, ramdisk_url, timeout_min=30):
    """The job of cell, starting the machine of vm (a VmRunCommand)."""
    return {
        "device_type": "qemu",
        "job_name": f"iommu-stress {cell.id}",
        "timeouts": {"job": {"minutes": timeout_min},
                     "action": {"minutes": timeout_min - 5},
                     "connection": {"minutes": 2}},
        "priority": "medium",
        "visibility": "public",
        "context": {"arch": "x86_64", "memory": vm.memory,
                    "extra_options": list(vm.extra_options)},
        "actions": [
            {"deploy": {
                "to": "tmpfs",
                "timeout": {"minutes": 5},
                "images": {
                    "kernel": {"image_arg": f"-kernel {{kernel}} -append \"{vm.cmdline}\"",
                               "url": kernel_url},
                    "ramdisk": {"image_arg": "-initrd {ramdisk}",
                                "url": ramdisk_url,
                                "format": "cpio.newc",
                                "compression": "gz",
                                "overlays": {"lava": True}},
                }}},
            {"boot": {
                "method": "qemu",
                "media": "tmpfs",
                "timeout": {"minutes": 5},
                "prompts": [PROMPT],
            }},
            {"test": {
                "timeout": {"minutes": timeout_min - 10},
                "definitions": [{
                    "from": "inline",
                    "name": f"iommu-stress-{cell.pattern}",
                    "path": f"inline/iommu-stress-{cell.pattern}.yaml",
                    "repository": definition(cell),
                }],
            }},
        ],
    }


def device(job_dict, qemu="qemu-system-x86_64"):
    """A device file for lava-run on this machine, as a LAVA server's qemu
    device type renders it for the job's context (extra_options become the
    boot method's extra arguments); TCG, no network."""
    ctx = job_dict["context"]
    return {
        "constants": {
            "posix": {"lava_test_sh_cmd": "/bin/sh",
                      "lava_test_results_dir": "/lava-%s",
                      "lava_test_shell_file": "~/.bashrc"},
            "kernel-start-message": "Linux version [0-9]",
            "default-shell-prompt": "lava-test: # ",
            "shutdown-message": "The system is going down for reboot NOW",
            "spawn_maxread": "4092",
            "failure_retry": 1,
            "boot_retry": 0,
        },
        "available_architectures": [ctx["arch"]],
        "actions": {
            "deploy": {"connections": {"serial": None},
                       "methods": {"image": {"parameters": {"guest": {"size": 512}}}}},
            "boot": {"connections": {"serial": None},
                     "methods": {"qemu": {"parameters": {
                         "command": qemu,
                         "options": ["-nographic", f"-m {ctx['memory']}",
                                     "-monitor none", "-nic none"],
                         "extra": list(ctx["extra_options"]),
                     }}}},
        },
        "timeouts": {"actions": {}, "connections": {}},
    }


def results(stdout):
    """{case: result} of the lava-test-case calls in lava-run's output: one
    line each whose level is "results" (not quite JSON: LAVA tags some
    values with '!'); LAVA's own cases (definition "lava") left out."""
    out = {}
    for line in stdout.splitlines():
        if '"lvl": "results"' not in line:
            continue
        fields = dict(re.findall(r'"(case|definition|result)": "([^"]*)"', line))
        if fields.get("definition") in (None, "lava"):
            continue
        if "case" in fields and "result" in fields:
            out[fields["case"]] = fields["result"]
    return out


def case_name(ktap_name):
    """The LAVA case name the test definition makes of a KTAP case name."""
    n = re.sub(r"[^A-Za-z0-9_.-]+", "_", ktap_name)
    return re.sub(r"_+$", "", n)[:100]


def cell(kernel, iommu, pattern, inject, args=None):
    variant = plan.CONTROL if inject else plan.STOCK
    if args is None:
        args = plan.args_for(pattern, pattern_runs.pattern_args())
    return plan.Cell(kernel, iommu, pattern, variant, args)
