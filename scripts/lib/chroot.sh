# shellcheck shell=bash
# Cached chroots of other Debian suites (sourced; needs common.sh and
# apt.sh), for programs this machine cannot run: sid's kbuild tools need a
# newer glibc than Debian 12's. A chroot is made once with debootstrap from
# the machine's Debian mirror and kept in $CHROOT_CACHE/<suite>-<key>, the
# key naming the suite, mirror and packages; users hold a shared lock on it,
# creation and upgrades an exclusive one. Needs root (or sudo): debootstrap,
# mount and chroot.

CHROOT_CACHE=${IOMMU_STRESS_CACHE:-$HOME/.cache/iommu-stress}/chroots

# The machine's apt settings a chroot's apt must share to reach the same
# archive: proxies, and the date checks of a frozen mirror.
host_acquire_conf() {
	apt-config dump Acquire |
		grep -E '^Acquire::(Check-Valid-Until|Check-Date|(http|https|ftp)::Proxy)' || true
}

# chroot_as_root DIR CMD...: CMD as root inside DIR, with /proc mounted in
# a mount namespace of its own (gone when CMD ends).
chroot_as_root() {
	local dir=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	as_root unshare --mount --propagation private /bin/sh -c '
		mount -t proc proc "$0/proc" && exec chroot "$0" /usr/bin/env -i \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
			DEBIAN_FRONTEND=noninteractive "$@"' "$dir" "$@"
}

# chroot_ensure SUITE PACKAGE...: print the path of a minbase chroot of SUITE
# with PACKAGEs installed (no recommends), creating it on first use.
chroot_ensure() {
	local suite=$1 mirror key dir lock start logf
	shift
	mirror=$(apt_mirror debian)
	key=$({ printf '%s\n' "$suite" "$mirror"; printf '%s\n' "$@" | sort -u; } |
		sha256sum | cut -c1-12)
	dir=$CHROOT_CACHE/$suite-$key
	mkdir -p "$CHROOT_CACHE"
	exec {lock}>"$dir.lock"
	flock "$lock"
	if [[ ! -f $dir/.complete ]]; then
		command -v debootstrap >/dev/null || die "debootstrap missing: run scripts/setup"
		need_root debootstrap
		log "chroot: creating $suite in $dir (debootstrap from $mirror, then $*)"
		start=$(date +%s)
		logf=$dir.log
		as_root rm -rf "$dir"
		as_root debootstrap --variant=minbase "$suite" "$dir" "$mirror" >"$logf" 2>&1 ||
			{ tail -n 20 "$logf" >&2; die "debootstrap $suite failed (log: $logf)"; }
		host_acquire_conf | as_root tee "$dir/etc/apt/apt.conf.d/99host-acquire" >/dev/null
		{ chroot_as_root "$dir" apt-get -q update &&
			chroot_as_root "$dir" apt-get install -y -q --no-install-recommends "$@" &&
			chroot_as_root "$dir" apt-get clean; } >>"$logf" 2>&1 ||
			{ tail -n 20 "$logf" >&2; die "installing $* in the $suite chroot failed (log: $logf)"; }
		as_root touch "$dir/.complete"
		log "chroot: $suite made in $(($(date +%s) - start)) s, $(du -sh "$dir" | cut -f1)"
	fi
	exec {lock}>&-
	printf '%s\n' "$dir"
}

# chroot_upgrade DIR: bring the chroot's packages up to its suite's current
# versions (a suite such as sid moves on: newer kbuild tools may need a
# newer glibc than the chroot was made with).
chroot_upgrade() {
	local dir=$1 lock logf=$1.log
	exec {lock}>"$dir.lock"
	flock "$lock"
	log "chroot: upgrading $dir"
	{ chroot_as_root "$dir" apt-get -q update &&
		chroot_as_root "$dir" apt-get -y -q --no-install-recommends dist-upgrade &&
		chroot_as_root "$dir" apt-get clean; } >>"$logf" 2>&1 ||
		{ tail -n 20 "$logf" >&2; die "upgrading the chroot $dir failed (log: $logf)"; }
	exec {lock}>&-
}

# holds A B: whether directory A is B or holds it.
holds() {
	[[ $2 == "$1" || $2 == "${1%/}"/* ]]
}

# chroot_run DIR [--bind PATH]... [--] CMD...: run CMD in the chroot DIR as
# the calling user, with each directory PATH mounted at the same path
# inside, so that absolute paths mean the same on both sides. CMD runs in
# the current directory, mounted too, unless that holds the chroot (a mount
# of it would hide the chroot's own files): then in /.
chroot_run() {
	local dir lock binds=() b cwd=/ rc=0
	dir=$(readlink -f "$1")
	shift
	while (($#)); do
		case $1 in
		--bind) binds+=("$(readlink -f "$2")"); shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	if ! holds "$PWD" "$dir"; then
		binds+=("$PWD")
		cwd=$PWD
	fi
	for b in "${binds[@]}"; do
		[[ -d $b ]] || die "chroot_run: $b is no directory"
		! holds "$b" "$dir" || die "chroot_run: $b holds the chroot $dir"
	done
	# Parents before what they hold, or their mount would hide it.
	((${#binds[@]} == 0)) || mapfile -t binds < <(printf '%s\n' "${binds[@]}" | sort -u)
	exec {lock}>"$dir.lock"
	flock -s "$lock"
	# shellcheck disable=SC2016 # expanded by the inner shell
	as_root unshare --mount --propagation private /bin/bash -c '
		set -e
		root=$1 user=$2 cwd=$3 n=$4
		shift 4
		mount -t proc proc "$root/proc"
		for ((i = 0; i < n; i++)); do
			mkdir -p "$root$1"
			mount --bind "$1" "$root$1"
			shift
		done
		exec chroot --userspec="$user" "$root" /usr/bin/env -i \
			PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp LC_ALL=C \
			/bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$cwd" "$@"
	' chroot-run "$dir" "$(id -u):$(id -g)" "$cwd" "${#binds[@]}" "${binds[@]}" "$@" || rc=$?
	exec {lock}>&-
	return "$rc"
}
