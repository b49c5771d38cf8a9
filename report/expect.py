"""tests/vm/expect, what the VM tests expect of each emulated IOMMU on each
guest kernel: its one parser, for the VM tests (tests/vm/lib.sh's expect)
and the matrix's judgement of its cells (report/expectations.py). A
missing or malformed file is an error, never an empty table.

    python3 report/expect.py IOMMU RELEASE KEY   the value of KEY for that
                                                 IOMMU (scripts/vm-run
                                                 --iommu) and guest kernel
                                                 release (uname -r); exit 1
                                                 when no row gives one

Standard library only, and no imports of its own package: tests/vm/lib.sh
runs it as a script."""
import fnmatch
import os
import sys

PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    "tests", "vm", "expect")


class Row:
    """One row: IOMMU and KERNEL are shell globs, VALUE the rest of the
    line; NOTE the comment lines that explain it (those above it, or above
    the rows right before it), LINE where it is."""

    def __init__(self, iommu, kernel, key, value, note, line):
        self.iommu = iommu
        self.kernel = kernel
        self.key = key
        self.value = value
        self.note = note
        self.line = line

    def matches(self, iommu, release):
        return (fnmatch.fnmatchcase(iommu, self.iommu)
                and fnmatch.fnmatchcase(release, self.kernel))

    def __str__(self):
        return f"{self.iommu} {self.kernel} {self.key} {self.value}"


def read(path=PATH):
    """[Row] in the file's order. A blank line ends the comment that
    explains the rows after it."""
    rows, comment, note, after_row = [], [], None, False
    with open(path) as f:
        for no, line in enumerate(f, start=1):
            text = line.strip()
            if not text:
                comment, note, after_row = [], None, False
                continue
            if text.startswith("#"):
                if after_row:
                    comment, after_row = [], False
                comment.append(text[1:].strip())
                note = " ".join(comment)
                continue
            words = text.split(None, 3)
            if len(words) < 4:
                raise ValueError(f"{path}:{no}: not 'IOMMU KERNEL KEY VALUE'")
            rows.append(Row(*words, note, no))
            after_row = True
    return rows


def lookup(rows, iommu, release, key):
    """The first row giving KEY for this IOMMU and release, or None."""
    for row in rows:
        if row.key == key and row.matches(iommu, release):
            return row
    return None


def main(argv):
    if len(argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        row = lookup(read(), argv[1], argv[2], argv[3])
    except (OSError, ValueError) as e:
        print(f"expect: {e}", file=sys.stderr)
        return 2
    if row is None:
        return 1
    print(row.value)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
