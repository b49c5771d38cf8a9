# shellcheck shell=bash
# Sourced by the tests in tests/report (after tests/lib.sh): matrix runs on
# stand-ins for scripts/vm-run and scripts/lib/kernel-image, and questions
# about a run's matrix.json.

report_tests=${top:?}/tests/report

# fake_env DIR: run scripts/matrix on the stand-ins (fake-vm-run,
# fake-kernel-image) with a cache of its own under DIR.
fake_env() {
	mkdir -p "$1/kernels" "$1/cache"
	export IOMMU_STRESS_VM_RUN=$report_tests/fake-vm-run
	export IOMMU_STRESS_KERNEL_IMAGE=$report_tests/fake-kernel-image
	export FAKE_KERNEL_DIR=$1/kernels
	export IOMMU_STRESS_CACHE=$1/cache
}

# cell_field RUN CELL-ID EXPR: a Python expression on the cell's entry c.
cell_field() {
	python3 - "$@" <<'EOF'
import json, sys
run, cid, expr = sys.argv[1:4]
cells = {c["id"]: c for c in json.load(open(run + "/matrix.json"))["cells"]}
c = cells.get(cid)
print(eval(expr) if c is not None else "<no such cell>")
EOF
}

# cell_is RUN CELL-ID STATUS: the cell has that status.
cell_is() {
	[ "$(cell_field "$1" "$2" "c['status']")" = "$3" ]
}

# run_field RUN EXPR: a Python expression on the whole index d.
run_field() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1] + "/matrix.json")); print(eval(sys.argv[2]))' "$1" "$2"
}

# need PACKAGE...: install what the test needs (the project's own step),
# saying how long it took when it had to.
need() {
	local t0
	t0=$(date +%s)
	"$top/scripts/lib/need-packages" "$@" >&2 || return 1
	echo "# packages $*: ready in $(($(date +%s) - t0)) s"
}
