"""What the matrix runs: its axes, its cells and each cell's command."""
import os
import re
import subprocess

from . import pattern_runs

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
# The negative control of the data checks that needs no missing flush
# (tests/vm/wrong-page-control): a test build of the module
# (ISTRESS_UNSAFE_TESTS=1) maps the run's first MAP one page off, a wrong
# table that shows under every vIOMMU and kernel, where skip-flush cannot
# (Intel's 5.10 driver flushes inside its unmap) or a pattern's order hides
# it. Its cells run in a boot of their own, on that build.
WRONG_PAGE = "wrong-page"
VARIANTS = [STOCK, CONTROL, WRONG_PAGE]
# What the boot of each variant runs: the module as shipped, or its test
# build (the environment scripts/vm-run builds it with).
TEST_BUILD = "test"
BUILDS = {STOCK: None, CONTROL: None, WRONG_PAGE: TEST_BUILD}
BUILD_ENV = {TEST_BUILD: {"ISTRESS_UNSAFE_TESTS": "1"}}

# The pattern that records what the driver does rather than hunt a bug:
# run once per boot, last (it may provoke a WARN), with no negative
# control (variants()).
BEHAVIOUR = "behaviour"
# overmap has no wrong-page cell: its stock run is not clean on every
# kernel and vIOMMU (5.10's Intel driver and virtio-iommu keep the old 4K
# pages), so stale data there would not be the injection's alone.
NO_WRONG_PAGE = {BEHAVIOUR, "overmap"}

# The 1G cells: the runs of tests/vm/pattern-runs' target edu-1g (promote
# --to 1G, churn --size 1G), rows of the matrix of their own named as those
# runs are (promote-1g), stock and skip-flush, in a boot of their own per
# (kernel, vIOMMU): the module reloaded with the unsafe allow_1g_leaves=1
# and memory for three 1G chunks under its cap of half the RAM. No
# wrong-page cell: a MAP one page off is not 1G-aligned, so it could not
# be a 1G leaf, and the data checks' control is the pattern's own row's.
LEAVES_1G = "1G"
SETUP_1G = {"module": "allow_1g_leaves=1", "vm_run": ["--mem", "8192"]}
VARIANTS_1G = [STOCK, CONTROL]

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


def is_1g(name):
    """Whether a row of the matrix is a 1G run (promote-1g), not a pattern."""
    return name.endswith(pattern_runs.SUFFIX_1G)


def rows(patterns, runs_1g):
    """The matrix's rows: the patterns, each followed by its 1G runs
    (runs_1g: pattern_runs.runs_1g())."""
    out = []
    for p in patterns:
        out.append(p)
        out += [name for name, (pattern, _) in runs_1g.items() if pattern == p]
    return out


def args_for(pattern, table):
    """The arguments a cell of pattern runs with; table is
    pattern_runs.pattern_args() (tests/vm/pattern-runs)."""
    return table.get(pattern, [] if pattern == BEHAVIOUR else DEFAULT_ARGS)


def variants(pattern, among=None):
    """The variants a pattern (or 1G run) runs in, of among (default: all):
    behaviour on the stock kernel only (it records what the driver does;
    there is no bug to inject), overmap without wrong-page (NO_WRONG_PAGE),
    a 1G run stock and skip-flush (VARIANTS_1G)."""
    out = [STOCK] if pattern == BEHAVIOUR else VARIANTS_1G if is_1g(pattern) else [
        v for v in VARIANTS if not (v == WRONG_PAGE and pattern in NO_WRONG_PAGE)]
    return [v for v in out if among is None or v in among]


class Cell:
    """One run of one pattern, stock or with its negative control, on one
    kernel and vIOMMU. pattern is the matrix's row: the tool's pattern, or
    a 1G run (promote-1g) of tool_pattern."""

    def __init__(self, kernel, iommu, pattern, variant, args, tool_pattern=None):
        self.kernel = kernel
        self.iommu = iommu
        self.pattern = pattern
        self.variant = variant
        self.args = list(args)
        self.tool_pattern = tool_pattern or pattern

    @property
    def leaves(self):
        """LEAVES_1G for a 1G cell (its boot lets the driver build 1G
        leaves), else None."""
        return LEAVES_1G if is_1g(self.pattern) else None

    @property
    def id(self):
        return f"{self.kernel}/{self.iommu}/{self.pattern}/{self.variant}"

    @property
    def build(self):
        """The module build the cell's boot runs: None (as shipped) or
        TEST_BUILD."""
        return BUILDS[self.variant]

    @property
    def group(self):
        """The cells one boot runs: same kernel, vIOMMU, build and leaves."""
        return (self.kernel, self.iommu, self.build, self.leaves)

    @property
    def guest_name(self):
        """The cell's file names in the guest's /out."""
        return f"{self.pattern}.{self.variant}"

    @property
    def argv(self):
        """The iommu-stress command line, without its output options."""
        inject = [] if self.variant == STOCK else ["--inject", self.variant]
        return ["iommu-stress", "run", self.tool_pattern] + self.args + inject

    @property
    def dir(self):
        """The cell's folder, relative to the run."""
        return os.path.join("cells", self.kernel, self.iommu,
                            f"{self.pattern}.{self.variant}")


def tool_pattern(entry):
    """The tool's pattern a cell entry of matrix.json ran: its row, or the
    pattern of its 1G run (its command's)."""
    return entry["command"].split()[2]


def check_names(kind, given, known):
    bad = [n for n in given if n not in known]
    if bad:
        raise ValueError(f"unknown {kind}: {', '.join(bad)} "
                         f"(known: {', '.join(known)})")


def cells(kernels, iommus, patterns, args_of, among=None, runs_1g=None):
    """Every cell of the variants among (default: all), grouped so that one
    boot's cells are together (the test build's, then the 1G cells', after
    the others of their pair) and the behaviour pattern comes last in its
    boot. patterns may name 1G runs, of runs_1g (pattern_runs.runs_1g())."""
    out = []
    ordered = [p for p in patterns if p != BEHAVIOUR] + \
        [p for p in patterns if p == BEHAVIOUR]

    def cell(kernel, iommu, name, variant):
        if is_1g(name):
            pattern, args = (runs_1g or {})[name]
            return Cell(kernel, iommu, name, variant, args, pattern)
        return Cell(kernel, iommu, name, variant, args_for(name, args_of))

    for kernel in kernels:
        for iommu in iommus:
            pair = [cell(kernel, iommu, name, variant)
                    for name in ordered for variant in variants(name, among)]
            out += [c for c in pair if c.build is None and c.leaves is None]
            out += [c for c in pair if c.build is not None]
            out += [c for c in pair if c.leaves is not None]
    return out
