# Sourced by the test scripts: TAP lines and a closing count.
pass=0
fail=0
n=0

# check NAME COMMAND...: one test, passing when COMMAND succeeds.
check() {
	local name=$1
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

# jq-free field access: json_get FILE EXPR (a Python expression on d).
json_get() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
