# shellcheck shell=bash
# Helpers shared by the scripts in scripts/ (sourced, not run).

# Progress and errors go to stderr so stdout stays free for the guest console.
log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit "${DIE_STATUS:-1}"; }

# Stop unless commands can run as root: we are root, or sudo is there.
need_root() {
	[[ $(id -u) -eq 0 ]] || command -v sudo >/dev/null || die "need root (or sudo) to run: $*"
}

# Run a command as root: directly when we are root, else through sudo.
as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	else
		sudo "$@"
	fi
}

# apt_locked COMMAND...: COMMAND (an apt-get that changes this machine's
# lists or packages) holding this machine's lock for them, so that test
# suites run side by side take turns instead of failing on apt's own
# locks, which apt-get does not wait for.
apt_locked() {
	local dir=/run/lock fd rc=0
	[[ -d $dir && -w $dir ]] || dir=/tmp
	[[ -e $dir/iommu-stress-apt.lock ]] || : >>"$dir/iommu-stress-apt.lock"
	exec {fd}<"$dir/iommu-stress-apt.lock"
	flock "$fd"
	"$@" || rc=$?
	exec {fd}<&-
	return "$rc"
}

# Refresh the apt package lists; quiet unless it fails.
apt_update() {
	local logf
	need_root apt-get update
	logf=$(mktemp)
	if ! apt_locked as_root apt-get update -q >"$logf" 2>&1; then
		cat "$logf" >&2
		rm -f "$logf"
		die "apt-get update failed"
	fi
	rm -f "$logf"
}
