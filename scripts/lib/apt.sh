# shellcheck shell=bash
# Private apt configurations (sourced; needs common.sh). Each one is a folder
# with its own sources, lists and package cache, so that suites this machine
# does not use (bullseye, sid) and deb-src entries can be read and downloaded
# from without touching the machine's own sources and lists. The machine's
# apt.conf.d still applies (proxies); its pins do not.

# apt_private_opts DIR: the options that point apt at the configuration in DIR.
apt_private_opts() {
	local d=$1
	printf '%s\n' -o "Dir::Etc::SourceList=$d/sources.list" \
		-o "Dir::Etc::SourceParts=$d/sources.list.d" \
		-o "Dir::Etc::Preferences=$d/preferences" \
		-o "Dir::Etc::PreferencesParts=$d/preferences.d" \
		-o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" \
		-o "Dir::Cache::pkgcache=$d/cache/pkgcache.bin" -o Dir::Cache::srcpkgcache= \
		-o Acquire::Languages=none
}

# apt_private_init DIR: create the folders of a configuration (its sources
# are the caller's to write: DIR/sources.list or DIR/sources.list.d/).
apt_private_init() {
	mkdir -p "$1/sources.list.d" "$1/preferences.d" "$1/lists/partial" \
		"$1/cache/archives/partial"
	[[ -e $1/sources.list ]] || : >"$1/sources.list"
}

# apt_private DIR ARG...: apt-get with the configuration in DIR.
apt_private() {
	local d=$1 opts
	shift
	mapfile -t opts < <(apt_private_opts "$d")
	apt-get "${opts[@]}" "$@"
}

# apt_private_cache DIR ARG...: apt-cache with the configuration in DIR.
apt_private_cache() {
	local d=$1 opts
	shift
	mapfile -t opts < <(apt_private_opts "$d")
	apt-cache "${opts[@]}" "$@"
}

# apt_private_update DIR: refresh DIR's lists (one update at a time per
# configuration); quiet unless it fails. Needs no root: the lists are ours.
apt_private_update() {
	local d=$1 lock logf rc=0
	logf=$(mktemp)
	exec {lock}>"$d/.update-lock"
	flock "$lock"
	apt_private "$d" -q update >"$logf" 2>&1 || rc=$?
	# apt-get update exits 0 when some index could not be fetched.
	if ((rc == 0)) && grep -qE '^(W|E): (Failed to fetch|Some index files failed)' "$logf"; then
		rc=1
	fi
	((rc)) || touch "$d/.updated"
	exec {lock}>&-
	((rc == 0)) || cat "$logf" >&2
	rm -f "$logf"
	return "$rc"
}

# apt_private_fresh DIR MAX_AGE_SECONDS: update DIR's lists when they are
# older than that (or were never fetched). An update that fails (no network)
# leaves usable lists in place with a warning; with none at all it is an error.
apt_private_fresh() {
	local d=$1 age=$2 stamp=$1/.updated
	if [[ -f $stamp ]] && (($(date +%s) - $(stat -c %Y "$stamp") < age)); then
		return 0
	fi
	apt_private_update "$d" && return 0
	[[ -f $stamp ]] || die "apt-get update failed for the configuration in $d"
	log "warning: apt-get update failed for $d; using its lists from $(date -r "$stamp" '+%F %R')"
}

# apt_mirror ARCHIVE: the URI this machine uses for the Debian archive
# (ARCHIVE debian) or its security archive (ARCHIVE debian-security), from
# its own sources; Debian's default when it has none.
apt_mirror() {
	local archive=$1 uri
	uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk -v a="$archive" '
			/^[[:space:]]*#/ { next }
			/^URIs:/ { for (i = 2; i <= NF; i++) print $i; next }
			/^[[:space:]]*deb[[:space:]]/ {
				for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; break }
			}' |
		grep -E "/$archive/?\$" | head -n 1)
	uri=${uri:-http://deb.debian.org/$archive}
	printf '%s\n' "${uri%/}"
}
