"""The matrix (scripts/matrix) and its report (scripts/report).

plan: what the matrix runs (axes, cells, their commands); pattern_runs:
the parser of tests/vm/pattern-runs; keys: what a cell's result depends
on; guest: the script one VM boot runs; klog: the guest kernel log cut
into cells; cells: a cell's status from its outcome; runner and progress:
VM boots in parallel; index: matrix.json and the run folder; runcheck:
validation of a whole run; model, html, markdown, charts, baseline: the
report; expect: the parser of tests/vm/expect; expectations: each cell
judged against it; kcidb: the run as KCIDB v5; lava: LAVA jobs; yaml: the little
YAML LAVA needs; ktap: the project's KTAP parser. Standard library only.
"""
