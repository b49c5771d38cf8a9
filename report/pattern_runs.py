"""tests/vm/pattern-runs, the small runs of the patterns that the VM tests
(tests/vm/lib.sh's pattern_runs), the matrix and the LAVA job use: its one
parser. A missing or malformed file is an error, never an empty list.

    python3 report/pattern_runs.py TARGET       "NAME ARGUMENT..." of each
                                                run on TARGET (edu, dma), a
                                                line each, ARGUMENTs those of
                                                'iommu-stress run'
    python3 report/pattern_runs.py --args NAME  the arguments of the run
                                                called NAME, after the
                                                pattern's name

Standard library only, and no imports of its own package: tests/vm/lib.sh
runs it as a script."""
import os
import sys

PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    "tests", "vm", "pattern-runs")


def read(path=PATH):
    """[(name, [target], [iommu-stress run argument])] in the file's order."""
    runs = []
    with open(path) as f:
        for no, line in enumerate(f, start=1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if len(words) < 3:
                raise ValueError(f"{path}:{no}: not 'NAME TARGETS PATTERN [ARGUMENT]...'")
            runs.append((words[0], words[1].split(","), words[2:]))
    return runs


def on(target, path=PATH):
    """[(name, arguments)] of the runs on target."""
    return [(name, argv) for name, targets, argv in read(path) if target in targets]


def pattern_args(path=PATH):
    """{pattern: its arguments after its name} of the runs on edu named as
    their pattern: the matrix's cells and the LAVA job run these."""
    args = {}
    for name, argv in on("edu", path):
        if argv[0] == name:
            args.setdefault(name, argv[1:])
    return args


# The runs of 1G leaves: their target and the end of their names, which
# tells a 1G row of the matrix from a pattern's (report/plan.py).
TARGET_1G = "edu-1g"
SUFFIX_1G = "-1g"


def runs_1g(path=PATH):
    """{name: (pattern, its arguments after its name)} of the runs on
    TARGET_1G, each name ending in SUFFIX_1G: the matrix's 1G cells."""
    runs = {}
    for name, argv in on(TARGET_1G, path):
        if not name.endswith(SUFFIX_1G):
            raise ValueError(f"{path}: the {TARGET_1G} run {name} does not end in {SUFFIX_1G}")
        runs[name] = (argv[0], argv[1:])
    return runs


def main(argv):
    try:
        if len(argv) == 2 and not argv[1].startswith("-"):
            for name, args in on(argv[1]):
                print(" ".join([name] + args))
            return 0
        if len(argv) == 3 and argv[1] == "--args":
            table = pattern_args()
            if argv[2] not in table:
                raise ValueError(f"{PATH} has no edu run named {argv[2]}")
            print(" ".join(table[argv[2]]))
            return 0
    except (OSError, ValueError) as e:
        print(f"pattern_runs: {e}", file=sys.stderr)
        return 2
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
