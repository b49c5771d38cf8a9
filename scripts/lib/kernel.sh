# shellcheck shell=bash
# Resolve and fetch the Debian kernel a VM boots (sourced; needs common.sh).
#
# Kernel SPEC (vm-run --kernel):
#   "" | 6.1 | bookworm   bookworm's current 6.1: whatever linux-image-amd64
#                         depends on, looked up at run time
#   X.Y (e.g. 6.12)       newest linux-image-X.Y.N+debNN-amd64 with a candidate
#                         (bookworm's 6.12 backport is linux-image-6.12.*+deb12)
#   6.1.0-56, 6.12.117+deb12
#                         exactly linux-image-<VERSION>-amd64
#   DIR (has a /)         a kernel you built yourself: DIR/vmlinuz is the image
#                         and DIR/build the tree to build modules against
#                         (KDIR: a kernel build tree or installed headers)
#
# Packages go to $KERNEL_CACHE/debs, trees to $KERNEL_CACHE/kernels/<image-pkg>/root.

KERNEL_CACHE=${IOMMU_STRESS_CACHE:-$HOME/.cache/iommu-stress}

# apt-cache with a binary cache of its own: this machine's apt config may
# disable the shared one, and without it every call parses all the package
# lists (~1 s instead of ~0.3 s).
apt_cache() {
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
	'' | 6.1 | bookworm) apt_dependency linux-image-amd64 '^linux-image-' ;;
	[0-9]*.[0-9]*.*) printf 'linux-image-%s-amd64\n' "$1" ;;
	[0-9]*.[0-9]*) newest_image "$1" ;;
	*) return 1 ;;
	esac
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
	pkg=$(resolve_once "$spec") || die "unknown kernel spec '$spec' (see --help)"
	if [[ -z $pkg || -z $(apt_candidate "$pkg") ]]; then
		# Empty or old package lists (fresh machine): refresh once and retry.
		apt_update
		pkg=$(resolve_once "$spec")
		[[ -n $pkg && -n $(apt_candidate "$pkg") ]] ||
			die "no Debian package for kernel '$spec'${pkg:+ ($pkg)}"
	fi
	printf '%s\n' "$pkg"
}

# Packages that make up a kernel: image, flavour headers, common headers and
# the kbuild tools (named linux-kbuild-6.1 or linux-kbuild-6.12.117+deb12).
kernel_packages() {
	local headers=${1/#linux-image-/linux-headers-}
	printf '%s\n' "$1" "$headers"
	apt_cache depends "$headers" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-(headers-.*-common|kbuild-.*)$/ {print $2}'
}

# File names apt-get download gives the candidates of packages, in order
# (one apt-cache call for all of them).
deb_names() {
	apt_cache show --no-all-versions "$@" 2>/dev/null |
		awk '/^Package:/ {p = $2} /^Version:/ {v = $2} /^Architecture:/ {a = $2}
			/^$/ && p != "" {gsub(/:/, "%3a", v); print p "_" v "_" a ".deb"; p = ""}'
}

# Download packages into DIR. apt drops root privileges to the _apt user for
# downloads, so fetch into a scratch dir _apt may write, then move.
download_debs() {
	local dir=$1 tmp
	shift
	tmp=$(mktemp -d)
	[[ $(id -u) -ne 0 ]] || chown _apt "$tmp" 2>/dev/null || true
	if ! (cd "$tmp" && apt-get download -q "$@" >/dev/null 2>&1) &&
		! (apt_update && cd "$tmp" && apt-get download -q "$@" >/dev/null); then
		rm -rf "$tmp"
		die "apt-get download failed: $*"
	fi
	mv "$tmp"/*.deb "$dir"/
	rm -rf "$tmp"
}

# Make the extracted tree usable in place: the headers' Makefile includes
# /usr/src/... and lib/modules/*/build points to /usr/src/..., both absolute.
relocate_tree() {
	local root=$1 link target
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$root"/usr/src/linux-headers-*/Makefile
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

# kernel_boot_image VMLINUZ: the image to hand QEMU: boot/vmlinux-VERSION
# when kernel_fetch could unpack boot/vmlinuz-VERSION, else VMLINUZ itself.
kernel_boot_image() {
	local dir=${1%/*} name=${1##*/}
	if [[ $name == vmlinuz-* && -f $dir/vmlinux-${name#vmlinuz-} ]]; then
		printf '%s\n' "$dir/vmlinux-${name#vmlinuz-}"
	else
		printf '%s\n' "$1"
	fi
}

# kernel_fetch PKG|DIR: print the vmlinuz path and the KDIR, one per line.
# Cached: packages already in debs/ are not downloaded again and the tree is
# extracted again only when the set of packages changed.
kernel_fetch() {
	local pkg=$1 dir root lock names debs deb i want=() note=cached vmlinuz vmlinux
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
	mapfile -t names < <(kernel_packages "$pkg")
	mapfile -t debs < <(deb_names "${names[@]}")
	((${#names[@]} == 4 && ${#debs[@]} == 4)) ||
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
		printf '%s\n' "${debs[*]}" >"$dir/debs"
		[[ $note == downloaded ]] || note=extracted
	fi
	vmlinuz=$(ls "$root"/boot/vmlinuz-*)
	vmlinux=$root/boot/vmlinux-${vmlinuz##*/vmlinuz-}
	# PVH entry (QEMU's way to boot an ELF kernel) needs CONFIG_PVH.
	if [[ ! -f $vmlinux ]] && grep -qx CONFIG_PVH=y "$root"/boot/config-*; then
		unpack_vmlinux "$vmlinuz" "$vmlinux" || log "kernel: cannot unpack $vmlinuz, booting it compressed"
	fi
	exec {lock}>&-
	log "kernel: $pkg ($note)"
	printf '%s\n' "$vmlinuz" "$(ls -d "$root"/usr/src/linux-headers-*-amd64)"
}
