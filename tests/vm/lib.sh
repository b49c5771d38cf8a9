# Sourced by the VM tests: their options, results folder and VM runs, the
# named checks they make of what a run left, and the tables they share
# (tests/vm/expect, tests/vm/pattern-runs). Builds on tests/lib.sh.
# shellcheck shell=bash source-path=SCRIPTDIR
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib.sh
. "$top/tests/lib.sh"
# shellcheck source=../../scripts/lib/log-problems.sh
. "$top/scripts/lib/log-problems.sh"

kernel=6.1     # --kernel SPEC, as scripts/vm-run takes it
iommu=intel    # --iommu TYPE, passed to scripts/vm-run
keep_out=0     # --keep-out: keep the results folder even when all passed
recheck=''     # --recheck DIR: judge a kept results folder again, no VM
release=''     # the guest kernel's release, known once a VM has booted

# The calling script's header comment, from after its #! line, and what
# the options every VM test takes mean.
usage() {
	sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"
	[ -z "${usage_common-}" ] || echo "$vm_help"
}
vm_help="
VM-OPTIONS:
  --kernel SPEC  the guest kernel, as scripts/vm-run --kernel takes it (default 6.1)
  --iommu TYPE   the emulated IOMMU, as scripts/vm-run --iommu takes it (default
                 intel); what checks expect of it is in tests/vm/expect
  --keep-out     keep the results folder (kept anyway when a check fails)
  --recheck DIR  judge a kept results folder again, without running a VM"

# options [--NAME=VAR | --FLAG]... -- ARG...: parse the script's arguments.
# --NAME=VAR: --NAME takes a value, stored in VAR. --FLAG: sets the
# variable named after it (--keep-out: keep_out) to 1. --help prints usage.
options() {
	local -A value=() flag=()
	local v
	while [ "$1" != -- ]; do
		case $1 in
		*=*) value[${1%%=*}]=${1#*=} ;;
		*) v=${1#--} flag[$1]=${v//-/_} ;;
		esac
		shift
	done
	shift
	while [ $# -gt 0 ]; do
		if [ "$1" = --help ] || [ "$1" = -h ]; then
			usage
			exit 0
		elif [ -n "${value[$1]-}" ] && [ $# -ge 2 ]; then
			printf -v "${value[$1]}" %s "$2"
			shift 2
		elif [ -n "${flag[$1]-}" ]; then
			printf -v "${flag[$1]}" 1
			shift
		else
			echo "$0: unknown option or missing value: $1" >&2
			usage >&2
			exit 2
		fi
	done
}

# vm_options [SCRIPT-OPTION]... -- ARG...: options with the VM tests' own.
vm_options() {
	usage_common=1
	options --kernel=kernel --iommu=iommu --keep-out --recheck=recheck "$@"
}

# new_out NAME: a new results folder, $out (or --recheck's); the clock for
# vm_finish starts.
new_out() {
	if [ -n "$recheck" ]; then
		out=$recheck
	else
		out=$(mktemp -d "${TMPDIR:-/tmp}/iommu-stress-$1.XXXXXX") || exit 2
	fi
	t0=$(date +%s)
	echo "# kernel $kernel, iommu $iommu, results in $out"
}

# vm_run DIR [VM-RUN-OPTION]... -- COMMAND...: one VM on --kernel and
# --iommu. Results in DIR, what scripts/vm-run printed in DIR/vm-run.log,
# its exit status in DIR/vm-run.rc and returned.
vm_run() {
	local dir=$1 rc
	shift
	if [ -n "$recheck" ]; then
		rc=$(cat "$dir/vm-run.rc" 2>/dev/null) || rc=125
	else
		mkdir -p "$dir"
		"$top/scripts/vm-run" --kernel "$kernel" --iommu "$iommu" --out "$dir" "$@" \
			>"$dir/vm-run.log" 2>&1
		rc=$?
		echo "$rc" >"$dir/vm-run.rc"
	fi
	[ -n "$release" ] ||
		release=$(sed -n '1s/.*Linux version \([^ ]*\).*/\1/p' "$dir/dmesg.txt" 2>/dev/null)
	return "$rc"
}

# build_hardening: the static programs of tests/hardening, or a failed
# suite.
build_hardening() {
	[ -n "$recheck" ] && return 0
	make -s -C "$top" hardening && return 0
	check "build the hardening programs" false
	finish
	exit 1
}

# The checks. Each reads a file a VM left and passes or fails; what it
# prints is TAP comments.

# file_is FILE TEXT: FILE holds just TEXT.
file_is() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
# rc_is FILE N: FILE holds the exit status N.
rc_is() { file_is "$@"; }
# log_has FILE REGEX: a line of FILE matches the extended REGEX.
log_has() { grep -qE -- "$2" "$1" 2>/dev/null; }

# For the guest: kmemleak's report into /out/kmemleak.txt and the read's
# exit status into /out/kmemleak.rc. It reports an object only once it is
# 5 s old and stayed unreferenced over a scan.
# shellcheck disable=SC2016,SC2034 # for the guest, by the tests
kmemleak_scan='if [ -e /sys/kernel/debug/kmemleak ]; then
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >/out/kmemleak.txt
	echo $? >/out/kmemleak.rc
fi'
# kmemleak_clean DIR: DIR's kmemleak report (kmemleak_scan) was read and
# is empty. A missing report, a failed read (kmemleak turned itself off)
# or a kmemleak that gave up says nothing about leaks, and fails.
kmemleak_clean() {
	rc_is "$1/kmemleak.rc" 0 && [ -f "$1/kmemleak.txt" ] && [ ! -s "$1/kmemleak.txt" ] &&
		! log_has "$1/dmesg.txt" 'kmemleak: .*disabled'
}
# kmemleak_check DIR [WHAT]: where DIR's boot log shows kmemleak on, the
# check that it found nothing (kmemleak_clean); a skip on other kernels.
kmemleak_check() {
	local name="kmemleak finds nothing left behind${2:+ ($2)}"
	if log_has "$1/dmesg.txt" 'Kernel memory leak detector initialized'; then
		check "$name" kmemleak_clean "$1"
	else
		skip "$name" "kernel ${release:-unknown} has no kmemleak"
	fi
}
# log_lacks FILE REGEX: FILE exists, has lines, and none matches REGEX.
log_lacks() { [ -s "$1" ] && ! grep -qE -- "$2" "$1"; }
# log_clean_but LOG WARN-REGEX: LOG has lines, and none that would fail a
# VM run (scripts/lib/log-problems.sh) but the WARN_ON reports from where
# WARN-REGEX matches; the first others become TAP comments.
log_clean_but() {
	local bad
	[ -s "$1" ] || return 1
	bad=$(bad_log_lines "$1" "$2") || return 0
	comment "$(head -n 5 <<<"$bad")"
	return 1
}
# tap_ok FILE: a TAP stream with passes and no failure.
tap_ok() { [ -s "$1" ] && grep -q '^ok' "$1" && ! grep -q '^not ok' "$1"; }
# tap_case_ok FILE TEXT: a TAP case whose name has TEXT passed.
tap_case_ok() { tap_case '^ok [0-9]+ ' "$@"; }
# tap_case_fails FILE TEXT: a TAP case whose name has TEXT failed.
tap_case_fails() { tap_case '^not ok [0-9]+ ' "$@"; }
tap_case() {
	awk -v result="$1" -v text="$3" \
		'sub(result, "") && index($0, text) { found = 1 } END { exit !found }' "$2" 2>/dev/null
}
# valid FILE: a JSON record that matches results/schema.json.
valid() { "$top/results/validate" "$1" >/dev/null 2>&1; }
# ktap_valid FILE: valid KTAP (what ktap-check says, as a TAP comment).
ktap_valid() {
	local said rc
	said=$("$top/tests/unit/ktap-check" "$1" 2>&1)
	rc=$?
	comment "$said"
	return "$rc"
}
# json_check CLAIM FILE [ARG]...: a claim of tests/vm/checks.py about the
# record in FILE; why it does not hold becomes a TAP comment.
json_check() {
	local why
	why=$(python3 "$top/tests/vm/checks.py" "$@" 2>&1) && return 0
	comment "$why"
	return 1
}
# json_eq FILE FIELD VALUE: the dotted FIELD of the record is VALUE (a JSON
# literal such as 0 or true, else a string).
json_eq() { json_check eq "$@"; }
# json_gt FILE FIELD N: the dotted FIELD of the record is a number above N.
json_gt() { json_check gt "$@"; }

# A run is what the guest left for one command: RUN.rc (its exit status),
# RUN.json (its record), RUN.txt (its output). Checks of a run take RUN.

# The guest's side, a shell function for guest scripts: run NAME ARG...
# runs 'iommu-stress run ARG...' (on $target when the guest sets it) and
# leaves /out/NAME.rc, .json and .txt.
# shellcheck disable=SC2016,SC2034 # for the guest's shell, used by the tests
guest_run='run() { n=$1; shift; iommu-stress run "$@" ${target:+--target "$target"} --json /out/$n.json >/out/$n.txt 2>&1; echo $? >/out/$n.rc; }'
# clean RUN: exit 0, no corruption.
clean() { rc_is "$1.rc" 0 && json_eq "$1.json" corruptions.total 0; }
# caught RUN CLASS [CASE]: exit 1, corruptions of CLASS found (tests/vm/expect's
# skip_flush names the class a skipped flush shows as), in some case whose
# name does not start with CASE (one the stock run already fails, as
# tests/vm/expect's stock says).
caught() {
	local run=$1 class=$2
	shift 2
	rc_is "$run.rc" 1 && json_gt "$run.json" "corruptions.$class" 0 &&
		json_check corrupt_outside "$run.json" "$@"
}
# as_expected_stock RUN VALUE: the stock run is as tests/vm/expect's stock
# VALUE says: "clean", or "corrupt CASE" (exit 1, and every corruption in
# the case whose name starts with CASE: a driver behaviour, explained there).
as_expected_stock() {
	case $2 in
	clean) clean "$1" ;;
	corrupt\ *) rc_is "$1.rc" 1 && json_check corrupt_only_in "$1.json" "${2#corrupt }" ;;
	*) echo "# stock: unknown expectation '$2'"; return 1 ;;
	esac
}
# stock_case VALUE: the case a stock VALUE of "corrupt CASE" names.
stock_case() { [[ $1 != corrupt\ * ]] || echo "${1#corrupt }"; }
# unsupported RUN: exit 4, and a valid record that says so.
unsupported() { rc_is "$1.rc" 4 && json_eq "$1.json" status unsupported && valid "$1.json"; }

# json_print SUMMARY FILE [ARG]...: one of tests/vm/checks.py's summaries.
json_print() {
	python3 "$top/tests/vm/checks.py" --print "$@" 2>/dev/null || echo "(no record)"
}

# expect KEY: the value tests/vm/expect gives KEY for this IOMMU and the
# guest's kernel, by the file's one parser (the matrix judges its cells by
# it too); status 1 when no row gives one, 2 (and why, on stderr) when the
# file is missing or malformed.
expect() {
	python3 "$top/report/expect.py" "$iommu" "${release:-unknown}" "$1"
}

# run_key NAME KEY: KEY.NAME where tests/vm/expect has a row of it for this
# IOMMU and kernel (what the run called NAME does apart from the others),
# else KEY.
run_key() {
	if expect "$2.$1" >/dev/null; then
		echo "$2.$1"
	else
		echo "$2"
	fi
}

# expect_check KEY NAME COMMAND [ARG]...: check NAME COMMAND ARG..., each
# {} in an ARG replaced by KEY's expected value; a TAP skip that names KEY
# where tests/vm/expect has none for this IOMMU and kernel, or says "-"
# (refused: shown by a run not to be observable there) or "missed" (the
# run cannot show it there: the caller checks that it stays clean).
expect_check() {
	local key=$1 name=$2 value arg
	local -a cmd=()
	shift 2
	if ! value=$(expect "$key"); then
		skip "$name" "tests/vm/expect has no $key for iommu $iommu, kernel ${release:-unknown}"
		return
	fi
	if [ "$value" = - ] || [ "$value" = missed ]; then
		skip "$name" "not observable with iommu $iommu on kernel ${release:-unknown} (tests/vm/expect: $key $value)"
		return
	fi
	for arg; do
		cmd+=("${arg//'{}'/$value}")
	done
	check "$name" "${cmd[@]}"
}

# pattern_runs TARGET: "NAME ARGUMENTS" of each run tests/vm/pattern-runs
# has for TARGET (edu or dma), by the file's one parser, which fails when
# the file is missing.
pattern_runs() {
	python3 "$top/report/pattern_runs.py" "$1"
}

# tap_show FILE...: each TAP stream's results and comments as comments.
tap_show() {
	local f
	for f; do
		echo "# $(basename "$f" .tap):"
		if [ -f "$f" ]; then
			grep -E '^(not )?ok |^#' "$f" | sed 's/^/#   /'
		else
			echo "#   (no output)"
		fi
	done
}

# tap_count FILE: how many of FILE's TAP cases passed.
tap_count() {
	local c
	c=$(grep -c '^ok' "$1" 2>/dev/null)
	echo "${c:-0}"
}

# log_problems DIR: the kernel's complaints in a failed VM's output.
log_problems() {
	rc_is "$1/vm-run.rc" 0 && return
	bad_log_lines "$1/vm-run.log" | head -n 20 | sed 's/^/# /'
}

# vm_finish: the time taken, the results folder removed unless a check
# failed or --keep-out asked to keep it, the closing count.
vm_finish() {
	echo "# $(($(date +%s) - t0)) s"
	if [ "$fail" -gt 0 ] || [ "$keep_out" = 1 ] || [ -n "$recheck" ]; then
		echo "# results kept in $out"
	else
		rm -rf "$out"
	fi
	finish
}
