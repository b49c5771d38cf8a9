# shellcheck shell=bash source-path=SCRIPTDIR
# Where a kernel's kbuild runs to build an external module (sourced; needs
# common.sh and kernel.sh, whose kernel_fetch noted each kernel's suite and
# build dependencies).
#
# On this machine when it can run the tree's kbuild programs and has the
# compiler the kernel was built with, or a newer gcc (bullseye's 5.10 was
# built with gcc-10, which Debian 12 lacks; gcc-12 builds its modules with
# the same flags and no warning). Otherwise in a chroot of the kernel's own
# suite (chroot.sh) holding what its headers depend on: sid's kbuild
# programs need a newer glibc than Debian 12's.
#
#   kbuild_setup PKG KDIR           decide; sets KBUILD_ROOT (the chroot, or
#                                   empty), KBUILD_ARGS (make variables) and
#                                   KBUILD_WHERE (for messages)
#   kbuild_run [--bind PATH]... -- CMD...
#                                   run CMD (make ...) in the current
#                                   directory, there

# shellcheck source=chroot.sh
. "${BASH_SOURCE[0]%/*}/chroot.sh"

KBUILD_ROOT='' KBUILD_WHERE='' KBUILD_TREE=''
KBUILD_ARGS=()

# kconfig_auto KDIR SYMBOL: the value kbuild uses (quotes removed).
kconfig_auto() {
	sed -n "s/^CONFIG_$2=//p" "$1/include/config/auto.conf" 2>/dev/null | tr -d '"'
}

# The kbuild programs of KDIR this machine cannot run (missing libraries or
# too old a glibc), one a line; nothing when all run. ROOT: look at them
# through a chroot instead.
kbuild_unrunnable() {
	local kdir=$1 root=${2:-} f
	while IFS= read -r f; do
		[[ $(head -c 4 "$f" | od -An -c | tr -d ' ') == 177ELF ]] || continue
		if [[ -z $root ]]; then
			LC_ALL=C ldd "$f" 2>&1
		else
			chroot_run "$root" --bind "$KBUILD_TREE" -- ldd "$f" 2>&1
		fi | grep -q 'not found' && printf '%s\n' "$f"
	done < <(find "$kdir/scripts/basic/" "$kdir/scripts/mod/" "$kdir/tools/objtool/" \
		-maxdepth 1 -type f -perm -u+x 2>/dev/null)
	return 0
}

kbuild_setup() {
	local pkg=$1 kdir=$2 cc major host_major suite bad deps
	KBUILD_ROOT='' KBUILD_ARGS=()
	# The tree a chroot must see: a Debian headers tree's links and includes
	# stay inside its extracted root.
	KBUILD_TREE=$(readlink -f "$kdir")
	[[ $KBUILD_TREE != */usr/src/* ]] || KBUILD_TREE=${KBUILD_TREE%/usr/src/*}
	# "x86_64-linux-gnu-gcc-16 (Debian 16.2.0-4) 16.2.0" -> the first word.
	cc=$(kconfig_auto "$kdir" CC_VERSION_TEXT)
	cc=${cc%% *}
	bad=$(kbuild_unrunnable "$kdir")
	if [[ -z $bad ]]; then
		if [[ -z $cc ]] || command -v "$cc" >/dev/null; then
			KBUILD_WHERE="this machine (${cc:-its compiler})"
			kbuild_btf "$(command -v pahole || true)"
			return
		fi
		major=$(($(kconfig_auto "$kdir" GCC_VERSION) / 10000))
		host_major=$(gcc -dumpversion 2>/dev/null | cut -d. -f1)
		if ((major > 0 && ${host_major:-0} > major)); then
			KBUILD_ARGS=(CC=gcc)
			KBUILD_WHERE="this machine (gcc-$host_major for a kernel built with $cc)"
			kbuild_btf "$(command -v pahole || true)"
			return
		fi
	fi
	suite=$(kernel_fetched "$pkg" suite)
	[[ -n $suite ]] || die "cannot build modules for $kdir here (${cc:-compiler} missing or kbuild programs need newer libraries: ${bad//$'\n'/ }) and it is no Debian kernel whose suite is known"
	mapfile -t deps < <(kernel_fetched "$pkg" build-depends)
	KBUILD_ROOT=$(chroot_ensure "$suite" make "${deps[@]}")
	if [[ -n $(kbuild_unrunnable "$kdir" "$KBUILD_ROOT") ]]; then
		chroot_upgrade "$KBUILD_ROOT"
		bad=$(kbuild_unrunnable "$kdir" "$KBUILD_ROOT")
		[[ -z $bad ]] || die "the $suite chroot cannot run ${bad//$'\n'/ } even after an upgrade"
	fi
	# shellcheck disable=SC2034 # for the scripts that source this
	KBUILD_WHERE="a $suite chroot ($cc)"
	kbuild_btf "$KBUILD_ROOT/usr/bin/pahole"
}

# kbuild_btf PAHOLE: BTF for modules needs pahole where the build runs;
# without it, none.
kbuild_btf() {
	[[ -n $1 && -x $1 ]] || KBUILD_ARGS+=(CONFIG_DEBUG_INFO_BTF_MODULES=)
}

kbuild_run() {
	local binds=(--bind "$KBUILD_TREE")
	while (($#)); do
		case $1 in
		--bind) binds+=(--bind "$2"); shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	if [[ -z $KBUILD_ROOT ]]; then
		"$@"
	else
		chroot_run "$KBUILD_ROOT" "${binds[@]}" -- "$@"
	fi
}
