"""What the matrix runs: its axes, its cells and each cell's command."""
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

KERNELS = ["5.10", "6.1", "6.12", "sid"]

# Each vIOMMU of the matrix as scripts/vm-run options. The QEMU is named
# explicitly (not left to vm-run's default) because it is part of a cell's
# key: "distro" is Debian's, "current" the one qemu/build makes.
IOMMUS = {
    "intel": {"vm_run": ["--iommu", "intel", "--qemu", "distro"],
              "qemu": "distro",
              "label": "QEMU's intel-iommu"},
    "amd": {"vm_run": ["--iommu", "amd", "--qemu", "current"],
            "qemu": "current",
            "label": "QEMU's amd-iommu (dma-remap=on)"},
    "virtio": {"vm_run": ["--iommu", "virtio", "--qemu", "current"],
               "qemu": "current",
               "label": "virtio-iommu-pci"},
    "intel-pscache": {"vm_run": ["--iommu", "intel", "--qemu", "current",
                                 "--iommu-opts", "x-pscache=on"],
                      "qemu": "current",
                      "label": "intel-iommu with a paging-structure cache "
                               "(qemu/intel-iommu-pscache.patch)"},
}

STOCK = "stock"
CONTROL = "skip-flush"
VARIANTS = [STOCK, CONTROL]

# The pattern that records what the driver does rather than hunt a bug:
# run once per boot, last (it may provoke a WARN), with no negative
# control (variants()).
BEHAVIOUR = "behaviour"

# A pattern without a run in tests/vm/pattern-runs runs with DEFAULT_ARGS
# (behaviour with none: it records rather than hunts).
DEFAULT_ARGS = ["--iterations", "2"]
NAME = re.compile(r"^[a-z][a-z0-9-]*$")


def tool_patterns(tool):
    """The pattern names 'iommu-stress list' prints, in its order."""
    out = subprocess.run([tool, "list"], check=True, capture_output=True,
                         text=True).stdout
    names = []
    for line in out.splitlines():
        if line and not line[0].isspace():
            name = line.split()[0]
            if NAME.match(name):
                names.append(name)
    return names


def args_for(pattern, table):
    """The arguments a cell of pattern runs with; table is
    pattern_runs.pattern_args() (tests/vm/pattern-runs)."""
    return table.get(pattern, [] if pattern == BEHAVIOUR else DEFAULT_ARGS)


def variants(pattern):
    """The variants a pattern runs in: behaviour on the stock kernel only
    (it records what the driver does; there is no bug to inject)."""
    return [STOCK] if pattern == BEHAVIOUR else VARIANTS


class Cell:
    """One run of one pattern, stock or with its negative control, on one
    kernel and vIOMMU."""

    def __init__(self, kernel, iommu, pattern, variant, args):
        self.kernel = kernel
        self.iommu = iommu
        self.pattern = pattern
        self.variant = variant
        self.args = list(args)

    @property
    def id(self):
        return f"{self.kernel}/{self.iommu}/{self.pattern}/{self.variant}"

    @property
    def group(self):
        return (self.kernel, self.iommu)

    @property
    def guest_name(self):
        """The cell's file names in the guest's /out."""
        return f"{self.pattern}.{self.variant}"

    @property
    def argv(self):
        """The iommu-stress command line, without its output options."""
        inject = ["--inject", "skip-flush"] if self.variant == CONTROL else []
        return ["iommu-stress", "run", self.pattern] + self.args + inject

    @property
    def dir(self):
        """The cell's folder, relative to the run."""
        return os.path.join("cells", self.kernel, self.iommu,
                            f"{self.pattern}.{self.variant}")


def check_names(kind, given, known):
    bad = [n for n in given if n not in known]
    if bad:
        raise ValueError(f"unknown {kind}: {', '.join(bad)} "
                         f"(known: {', '.join(known)})")


def cells(kernels, iommus, patterns, args_of):
    """Every cell, grouped so that one boot's cells are together and the
    behaviour pattern comes last in its boot."""
    out = []
    ordered = [p for p in patterns if p != BEHAVIOUR] + \
        [p for p in patterns if p == BEHAVIOUR]
    for kernel in kernels:
        for iommu in iommus:
            for pattern in ordered:
                for variant in variants(pattern):
                    out.append(Cell(kernel, iommu, pattern, variant,
                                    args_for(pattern, args_of)))
    return out
