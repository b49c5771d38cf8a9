# shellcheck shell=dash
# Sourced by the test scripts: TAP lines and a closing count. Kept to what
# dash runs too: sh scripts use it as well.
pass=0
fail=0
skipped=0
n=0

# check NAME COMMAND...: one test, passing when COMMAND succeeds.
check() {
	local name="$1"
	shift
	n=$((n + 1))
	if "$@"; then
		pass=$((pass + 1))
		echo "ok $n $name"
	else
		fail=$((fail + 1))
		echo "not ok $n $name"
	fi
}

# skip NAME REASON: a test that cannot be judged here. TAP counts it as ok;
# the closing count keeps it apart from the passes.
skip() {
	n=$((n + 1))
	skipped=$((skipped + 1))
	echo "ok $n $1 # SKIP $2"
}

# comment TEXT: TEXT, if any, as TAP comment lines.
comment() { [ -z "$1" ] || printf '%s\n' "$1" | sed 's/^/# /'; }

finish() {
	echo "$pass passed, $fail failed, $skipped skipped"
	[ "$fail" -eq 0 ]
}
