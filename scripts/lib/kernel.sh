# shellcheck shell=bash source-path=SCRIPTDIR
# Resolve and fetch the Debian kernel a VM boots (sourced; needs common.sh).
#
# Kernel SPEC (vm-run --kernel):
#   "" | 6.1 | bookworm   bookworm's current 6.1: whatever linux-image-amd64
#                         depends on, looked up at run time
#   sid                   the newest kernel in sid (what sid's
#                         linux-image-amd64 depends on), looked up at run time
#   X.Y (e.g. 6.12, 5.10) newest linux-image-X.Y.N+debNN-amd64 or
#                         linux-image-X.Y.0-N-amd64 with a candidate
#                         (bookworm's 6.12 backport is linux-image-6.12.*+deb12,
#                         5.10 comes from bullseye-security)
#   6.1.0-56, 6.12.117+deb12, 5.10.0-46, 7.2.13+deb14
#                         exactly linux-image-<VERSION>-amd64
#   DIR (has a /)         a kernel you built yourself: DIR/vmlinuz is the image
#                         and DIR/build the tree to build modules against
#                         (KDIR: a kernel build tree or installed headers)
#
# Bookworm's kernels come through the machine's own apt lists; bullseye's,
# bullseye-security's and sid's through a private apt configuration in
# $KERNEL_CACHE/apt/suites (apt.sh), whose lists are refreshed once they are
# a day old. Every spec but sid is looked up in the machine's lists first.
# Packages go to $KERNEL_CACHE/debs, trees to $KERNEL_CACHE/kernels/<image-pkg>/root.

# shellcheck source=apt.sh
. "${BASH_SOURCE[0]%/*}/apt.sh"

KERNEL_CACHE=${IOMMU_STRESS_CACHE:-$HOME/.cache/iommu-stress}
KERNEL_SUITES_APT=$KERNEL_CACHE/apt/suites
KERNEL_SUITES_MAX_AGE=86400
# The private configuration apt_cache and download_debs use; empty: the
# machine's own.
KERNEL_APT_VIEW=''

# kernel_suites_setup: write the private configuration's sources (bullseye,
# its security updates and sid, from the machine's mirrors) and refresh its
# lists when they are older than KERNEL_SUITES_MAX_AGE.
kernel_suites_setup() {
	local d=$KERNEL_SUITES_APT main security opts list
	main=$(apt_mirror debian)
	security=$(apt_mirror debian-security)
	opts='[arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]'
	list="deb $opts $main bullseye main
deb $opts $security bullseye-security main
deb $opts $main sid main"
	apt_private_init "$d"
	if [[ $(cat "$d/sources.list") != "$list" ]]; then
		printf '%s\n' "$list" >"$d/sources.list"
		rm -f "$d/.updated"
	fi
	apt_private_fresh "$d" "$KERNEL_SUITES_MAX_AGE"
}

# apt-cache with a binary cache of its own: this machine's apt config may
# disable the shared one, and without it every call parses all the package
# lists (~1 s instead of ~0.3 s).
apt_cache() {
	if [[ -n $KERNEL_APT_VIEW ]]; then
		apt_private_cache "$KERNEL_APT_VIEW" "$@"
		return
	fi
	mkdir -p "$KERNEL_CACHE/apt"
	apt-cache -o Dir::Cache::pkgcache="$KERNEL_CACHE/apt/pkgcache.bin" \
		-o Dir::Cache::srcpkgcache= "$@"
}

# Candidate version of a package, empty when apt knows none.
apt_candidate() {
	apt_cache policy "$1" 2>/dev/null | awk '/Candidate:/ && $2 != "(none)" {print $2}'
}

# The first dependency of PKG whose name matches the extended regex RE.
apt_dependency() {
	apt_cache depends "$1" 2>/dev/null |
		awk -v re="$2" '$1 == "Depends:" && $2 ~ re {print $2; exit}'
}

# Newest linux-image-X.Y.* amd64 flavour with a candidate (no cloud/rt/dbg).
newest_image() {
	local series=${1//./\\.} pkg
	while read -r pkg; do
		[[ -n $(apt_candidate "$pkg") ]] && { printf '%s\n' "$pkg"; return; }
	done < <(apt_cache pkgnames "linux-image-$1." |
		grep -E "^linux-image-$series\.[0-9]+(-[0-9]+|\+deb[0-9]+)-amd64$" | sort -rV)
}

resolve_once() {
	case $1 in
	'' | 6.1 | bookworm | sid) apt_dependency linux-image-amd64 '^linux-image-' ;;
	[0-9]*.[0-9]*.*) printf 'linux-image-%s-amd64\n' "$1" ;;
	[0-9]*.[0-9]*) newest_image "$1" ;;
	*) return 1 ;;
	esac
}

# resolve_in VIEW SPEC: the image package of SPEC in the apt configuration
# VIEW (empty: the machine's), when it has a candidate there.
resolve_in() {
	local KERNEL_APT_VIEW=$1 pkg
	pkg=$(resolve_once "$2") || return 1
	[[ -n $pkg && -n $(apt_candidate "$pkg") ]] || return 1
	printf '%s\n' "$pkg"
}

# kernel_resolve SPEC: print the image package name, or the absolute path of
# a user-provided kernel directory.
kernel_resolve() {
	local spec=$1 pkg
	if [[ $spec == */* ]]; then
		[[ -f $spec/vmlinuz && -d $spec/build ]] ||
			die "kernel dir $spec needs vmlinuz and build/ (the KDIR)"
		log "kernel: $spec (user-provided)"
		readlink -f "$spec"
		return
	fi
	case $spec in
	'' | 6.1 | bookworm | sid | [0-9]*.[0-9]*) ;;
	*) die "unknown kernel spec '$spec' (see --help)" ;;
	esac
	if [[ $spec != sid ]] && pkg=$(resolve_in '' "$spec"); then
		printf '%s\n' "$pkg"
		return
	fi
	if [[ ! $spec =~ ^(|6\.1|bookworm)$ ]]; then
		kernel_suites_setup
		if pkg=$(resolve_in "$KERNEL_SUITES_APT" "$spec"); then
			printf '%s\n' "$pkg"
			return
		fi
	fi
	[[ $spec != sid ]] || die "no kernel package found in sid"
	# Empty or old package lists (fresh machine): refresh once and retry.
	apt_update
	pkg=$(resolve_in '' "$spec") || die "no Debian package for kernel '$spec'"
	printf '%s\n' "$pkg"
}

# kernel_view PKG: the apt configuration that has PKG (empty: the machine's).
kernel_view() {
	if [[ -n $(KERNEL_APT_VIEW='' apt_candidate "$1") ]]; then
		return
	fi
	kernel_suites_setup
	printf '%s\n' "$KERNEL_SUITES_APT"
}

# Packages that make up a kernel: the image and the flavour's headers, and
# what they depend on of the same kernel (named after its ABI version: common
# headers; for 7.x also linux-base-, linux-binary-, linux-modules-ABI) and
# the kbuild tools (linux-kbuild-6.1, linux-kbuild-6.12.117+deb12).
# Only the first of alternatives counts: the others are -unsigned twins.
kernel_packages() {
	local image=$1 abi new=() pkg
	local -A seen=()
	abi=${image#linux-image-}
	abi=${abi%-amd64}
	new=("$image" "linux-headers-$abi-amd64")
	while ((${#new[@]})); do
		for pkg in "${new[@]}"; do
			seen[$pkg]=1
			printf '%s\n' "$pkg"
		done
		mapfile -t new < <(apt_cache depends "${new[@]}" 2>/dev/null |
			awk -v abi="$abi" '
				$1 ~ /^\|?Depends:$/ && !alt && (index($2, abi) || $2 ~ /^linux-kbuild-/) { print $2 }
				{ alt = ($1 ~ /^\|/) }' | sort -u |
			while read -r pkg; do [[ -n ${seen[$pkg]:-} ]] || printf '%s\n' "$pkg"; done)
	done
}

# File names apt-get download gives the candidates of packages, in order
# (one apt-cache call for all of them).
deb_names() {
	apt_cache show --no-all-versions "$@" 2>/dev/null |
		awk '/^Package:/ {p = $2} /^Version:/ {v = $2} /^Architecture:/ {a = $2}
			/^$/ && p != "" {gsub(/:/, "%3a", v); print p "_" v "_" a ".deb"; p = ""}'
}

# Download packages into DIR (from the configuration KERNEL_APT_VIEW). apt
# drops root privileges to the _apt user for downloads, so fetch into a
# scratch dir _apt may write, then move.
download_debs() {
	local dir=$1 tmp
	shift
	tmp=$(mktemp -d)
	[[ $(id -u) -ne 0 ]] || chown _apt "$tmp" 2>/dev/null || true
	if ! (cd "$tmp" && apt_get_view download -q "$@" >/dev/null 2>&1) &&
		! (update_view && cd "$tmp" && apt_get_view download -q "$@" >/dev/null); then
		rm -rf "$tmp"
		die "apt-get download failed: $*"
	fi
	mv "$tmp"/*.deb "$dir"/
	rm -rf "$tmp"
}

apt_get_view() {
	if [[ -n $KERNEL_APT_VIEW ]]; then
		apt_private "$KERNEL_APT_VIEW" "$@"
	else
		apt-get "$@"
	fi
}

update_view() {
	if [[ -n $KERNEL_APT_VIEW ]]; then
		apt_private_update "$KERNEL_APT_VIEW"
	else
		apt_update
	fi
}

# Make the extracted tree usable in place: the headers' Makefile includes
# /usr/src/... and lib/modules/*/build points to /usr/src/..., both absolute.
relocate_tree() {
	local root=$1 link target
	# include /usr/src/...; 7.x also sets KBUILD_OUTPUT=/usr/src/...
	sed -i -E "s#(^include |^KBUILD_OUTPUT[[:space:]]*:?=[[:space:]]*)/usr/src/#\1$root/usr/src/#" \
		"$root"/usr/src/linux-headers-*/Makefile
	while IFS= read -r link; do
		target=$(readlink "$link")
		ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$root$target")" "$link"
	done < <(find "$root" -type l -lname '/*')
	# scripts/ and tools/ are relative links into usr/lib/linux-kbuild-*.
	for link in "$root"/usr/src/linux-headers-*/{scripts,tools}; do
		[[ -e $link ]] || die "broken link in kernel tree: $link"
	done
}

# Little-endian unsigned integer of SIZE bytes at OFFSET in FILE.
le_uint() { od -An -tu"$3" -j "$2" -N"$3" "$1" | tr -d ' '; }

# unpack_vmlinux VMLINUZ OUT: write the uncompressed kernel inside a bzImage.
# Under TCG the guest's own decompression of Debian's XZ kernel takes ~4 s of
# every boot; QEMU boots the uncompressed ELF directly through its PVH entry.
# Boot protocol: payload_offset (0x248) and payload_length (0x24c) count from
# the protected-mode code at (setup_sects (0x1f1) + 1) * 512; kbuild appends
# the uncompressed size as 4 bytes, which checks the result.
unpack_vmlinux() {
	local vmlinuz=$1 out=$2 sects start len decomp
	sects=$(le_uint "$vmlinuz" 497 1)
	start=$(((${sects/#0/4} + 1) * 512 + $(le_uint "$vmlinuz" 584 4)))
	len=$(($(le_uint "$vmlinuz" 588 4) - 4))
	case $(od -An -tx1 -j "$start" -N4 "$vmlinuz" | tr -d ' ') in
	fd377a58) decomp='xz -dc' ;;
	28b52ffd) decomp='zstd -dcq' ;;
	1f8b*) decomp='gzip -dc' ;;
	*) return 1 ;;
	esac
	if dd if="$vmlinuz" iflag=skip_bytes,count_bytes skip="$start" count="$len" status=none |
		$decomp >"$out.tmp" &&
		[[ $(stat -c %s "$out.tmp") == "$(le_uint "$vmlinuz" $((start + len)) 4)" ]]; then
		mv "$out.tmp" "$out"
	else
		rm -f "$out.tmp"
		return 1
	fi
}

# kernel_boot_image VMLINUZ: the image to hand QEMU: the vmlinux kernel_fetch
# unpacked beside it (boot/vmlinux-VERSION for boot/vmlinuz-VERSION, vmlinux
# for 7.x's usr/lib/modules/VERSION/vmlinuz), else VMLINUZ itself.
kernel_boot_image() {
	local dir=${1%/*} name=${1##*/}
	if [[ $name == vmlinuz* && -f $dir/vmlinux${name#vmlinuz} ]]; then
		printf '%s\n' "$dir/vmlinux${name#vmlinuz}"
	else
		printf '%s\n' "$1"
	fi
}

# The suite a package's candidate comes from, without -security/-updates
# (bullseye, bookworm, sid): the suite of a chroot that can build for it.
package_suite() {
	apt_cache policy "$1" 2>/dev/null | awk '
		/Candidate:/ { want = $2 }
		want != "" && ($1 == want || $2 == want) { found = 1; next }
		found && $1 ~ /^[0-9]+$/ { split($3, s, "/"); print s[1]; exit }' |
		sed -E 's/-(security|updates|backports)$//'
}

# What the kernel's headers and kbuild tools need besides themselves (the
# compiler, libraries), from the packages in DEBS (file names in debs/),
# first alternatives only, without versions: one a line.
build_depends() {
	local deb
	for deb; do
		case $deb in linux-headers-* | linux-kbuild-*) ;; *) continue ;; esac
		dpkg-deb -f "$KERNEL_CACHE/debs/$deb" Depends
	done | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/[[:space:]]//g' |
		grep -vE '^(linux-(base|image|headers|kbuild)(-.*)?)?$' | sort -u
}

# kernel_fetch PKG|DIR: print the vmlinuz path and the KDIR, one per line.
# Cached: packages already in debs/ are not downloaded again and the tree is
# extracted again only when the set of packages changed. Beside the tree:
# suite (kernel_fetched PKG suite) and build-depends, for building modules.
kernel_fetch() {
	local pkg=$1 dir root lock names debs deb i want=() note=cached vmlinuz vmlinux
	local KERNEL_APT_VIEW
	if [[ -d $pkg ]]; then
		printf '%s\n' "$pkg/vmlinuz" "$pkg/build"
		return
	fi
	dir=$KERNEL_CACHE/kernels/$pkg
	root=$dir/root
	mkdir -p "$KERNEL_CACHE/debs" "$dir"
	# Parallel runs for the same kernel wait for one another here.
	exec {lock}>"$dir/.lock"
	flock "$lock"
	KERNEL_APT_VIEW=$(kernel_view "$pkg")
	mapfile -t names < <(kernel_packages "$pkg")
	mapfile -t debs < <(deb_names "${names[@]}")
	((${#names[@]} >= 4 && ${#debs[@]} == ${#names[@]})) ||
		die "cannot find the packages of $pkg: ${names[*]}"
	for i in "${!debs[@]}"; do
		[[ -f $KERNEL_CACHE/debs/${debs[i]} ]] || want+=("${names[i]}")
	done
	if ((${#want[@]})); then
		log "kernel: $pkg (downloading ${want[*]})"
		download_debs "$KERNEL_CACHE/debs" "${want[@]}"
		note=downloaded
	fi
	if [[ $(cat "$dir/debs" 2>/dev/null) != "${debs[*]}" ]]; then
		rm -rf "$root" "$root.tmp"
		for deb in "${debs[@]}"; do
			dpkg-deb -x "$KERNEL_CACHE/debs/$deb" "$root.tmp"
		done
		mv "$root.tmp" "$root"
		relocate_tree "$root"
		build_depends "${debs[@]}" >"$dir/build-depends"
		package_suite "${names[1]}" >"$dir/suite"
		printf '%s\n' "${debs[*]}" >"$dir/debs"
		[[ $note == downloaded ]] || note=extracted
	fi
	[[ -s $dir/suite ]] || package_suite "${names[1]}" >"$dir/suite"
	[[ -f $dir/build-depends ]] || build_depends "${debs[@]}" >"$dir/build-depends"
	# Up to 6.x: boot/vmlinuz-VERSION; 7.x: usr/lib/modules/VERSION/vmlinuz.
	vmlinuz=$(first_existing "$root"/boot/vmlinuz-* "$root"/usr/lib/modules/*/vmlinuz)
	[[ -n $vmlinuz ]] || die "no vmlinuz in the packages of $pkg"
	vmlinux=${vmlinuz%/*}/vmlinux${vmlinuz##*/vmlinuz}
	# PVH entry (QEMU's way to boot an ELF kernel) needs CONFIG_PVH.
	if [[ ! -f $vmlinux ]] && grep -qx CONFIG_PVH=y "$(kernel_config "$root")"; then
		unpack_vmlinux "$vmlinuz" "$vmlinux" || log "kernel: cannot unpack $vmlinuz, booting it compressed"
	fi
	exec {lock}>&-
	log "kernel: $pkg ($note)"
	printf '%s\n' "$vmlinuz" "$(ls -d "$root"/usr/src/linux-headers-*-amd64)"
}

# kernel_config ROOT: the kernel's .config in an extracted tree.
kernel_config() {
	first_existing "$1"/boot/config-* "$1"/usr/lib/modules/*/config
}

# The first of its arguments (unmatched globs among them) that exists.
first_existing() {
	local f
	for f; do
		[[ ! -e $f ]] || { printf '%s\n' "$f"; return; }
	done
}

# kernel_fetched PKG KEY: what kernel_fetch noted about PKG (suite,
# build-depends); of a kernel directory, its own files of those names
# (kernels/build --suite sid writes them), else nothing.
kernel_fetched() {
	if [[ $1 == */* ]]; then
		cat "$1/$2" 2>/dev/null || true
	else
		cat "$KERNEL_CACHE/kernels/$1/$2" 2>/dev/null || true
	fi
}
