# shellcheck shell=bash
# The negative controls of module/probes/run, for tests/build/module-checks
# (sourced; uses its check, kbuild_run, kconfig_auto, KBUILD_ARGS and
# $work). Each runs `make probes` on a copy holding the run script, Kbuild,
# exports and _baseline.c of the tree under test, and planted probes only:
#
#   - a probe whose first error is in a header it shares with _baseline.c
#     (as when a newer compiler warns about a kernel header) stops the
#     build: it must not answer "no";
#   - so does a probe including a header that _baseline.c does not;
#   - a probe whose first error is in its own file and is the one its
#     "absent" line names answers 0, with that error written above it;
#     any other first error in its own file (an unused variable under
#     -Werror) stops the build;
#   - `make W=1 probes` does not hand W=1 to the probes: a header that
#     warns only under W=1 (a direct W=1 build shows that it does) still
#     answers 1;
#   - the answers are reused while nothing changes, and asked again when
#     the --version of the compiler kbuild uses does; a CC in the
#     environment, which kbuild does not use, changes nothing.
#
#   probe_controls PKG KDIR SRC    SRC: the copy of the tree module-checks
#                                  built, on the kbuild place kbuild_setup
#                                  chose

# probe_copy DIR SRC: the Makefile and the probes' machinery of SRC in DIR,
# without SRC's probes.
probe_copy() {
	mkdir -p "$1/module/probes"
	cp "$2/Makefile" "$1/"
	cp "$2/module/probes/run" "$2/module/probes/Kbuild" \
		"$2/module/probes/exports" "$2/module/probes/_baseline.c" \
		"$1/module/probes/"
}

# plant DIR NAME: DIR/module/probes/NAME from standard input.
plant() {
	cat >"$1/module/probes/$2"
}

# probe_make KDIR DIR LOG [MAKE-ARG...]: `make probes` in DIR.
# shellcheck disable=SC2154 # $work: module-checks' scratch directory
probe_make() {
	local kdir=$1 d=$2 logf=$3
	shift 3
	(cd "$d" && kbuild_run --bind "$work" -- make -s probes KDIR="$kdir" \
		"${KBUILD_ARGS[@]}" "$@") >"$logf" 2>&1
}

# relabelled_cc KDIR FILE: a compiler script in FILE that is the one kbuild
# uses here with one more line in its --version.
relabelled_cc() {
	local real a
	real=$(kconfig_auto "$1" CC_VERSION_TEXT)
	real=${real%% *}
	for a in "${KBUILD_ARGS[@]}"; do
		[[ $a != CC=* ]] || real=${a#CC=}
	done
	cat >"$2" <<EOF
#!/bin/sh
[ "\$1" = --version ] || exec $real "\$@"
$real --version
echo "relabelled by tests/build/probe-controls.sh"
EOF
	chmod +x "$2"
}

# stopped RC DIR LOG TEXT: the probes' build in DIR failed (RC), wrote no
# header and said TEXT.
stopped() {
	[[ $1 -ne 0 && ! -e $2/module/generated/probes.h ]] && grep -qF -- "$4" "$3"
}

# answered DIR RC MACRO VALUE [ERROR]: the probes' build in DIR succeeded
# (RC) with MACRO defined as VALUE, under a comment that starts with the
# compiler's first error ERROR when given.
answered() {
	local h=$1/module/generated/probes.h
	[[ $2 -eq 0 ]] && grep -qx "#define $3 $4" "$h" || return
	[[ $# -lt 5 ]] ||
		grep -B1 -x "#define $3 $4" "$h" | head -n 1 | grep -qF -- "/* $5"
}

# rebuilt RC FILE BEFORE: the probes' build succeeded (RC) and wrote FILE
# anew since BEFORE (its mtime then); reused: it succeeded without.
rebuilt() {
	[[ $1 -eq 0 && $(mtime "$2") != "$3" ]]
}
reused() {
	[[ $1 -eq 0 && $(mtime "$2") == "$3" ]]
}

# mtime FILE: when it was last written, to the nanosecond.
mtime() {
	stat -c %y "$1"
}

probe_controls() {
	local pkg=$1 kdir=$2 src=$3 base=$work/$1-probes d rc before

	# A warning that only a use of the macro brings, located in the header.
	d=$base/header
	probe_copy "$d" "$src"
	plant "$d" planted.h <<'EOF'
/* SPDX-License-Identifier: GPL-2.0 */
#define PLANTED_VALUE() ({ int planted_unused; 0; })
EOF
	echo '#include "planted.h"' >>"$d/module/probes/_baseline.c"
	plant "$d" planted_header.c <<'EOF'
// SPDX-License-Identifier: GPL-2.0
/* absent: implicit declaration of function .PLANTED_VALUE. */
#include "planted.h"

int probe(void);
int probe(void)
{
	return PLANTED_VALUE();
}
EOF
	probe_make "$kdir" "$d" "$d.log"
	rc=$?
	sed -n 's/^probes: /# /p' "$d.log"
	check "$pkg: probes: a first error in a shared header stops the build, no answer" \
		stopped "$rc" "$d" "$d.log" \
		"planted_header.c did not build, and not for the API's absence: planted.h:2:"

	d=$base/include
	probe_copy "$d" "$src"
	plant "$d" planted_include.c <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/istress_no_such_header.h>
EOF
	probe_make "$kdir" "$d" "$d.log"
	rc=$?
	check "$pkg: probes: a header _baseline.c lacks stops the build" \
		stopped "$rc" "$d" "$d.log" \
		"it lacks: #include <linux/istress_no_such_header.h>"

	d=$base/w1
	probe_copy "$d" "$src"
	plant "$d" planted_w1.h <<'EOF'
/* SPDX-License-Identifier: GPL-2.0 */
static inline int planted_w1(void)
{
	int unread;

	unread = 1;
	return 0;
}
EOF
	echo '#include "planted_w1.h"' >>"$d/module/probes/_baseline.c"
	plant "$d" planted_w1.c <<'EOF'
// SPDX-License-Identifier: GPL-2.0
/* absent: implicit declaration of function .planted_w1. */
#include "planted_w1.h"

int probe(void);
int probe(void)
{
	return planted_w1();
}
EOF
	plant "$d" planted_own.c <<'EOF'
// SPDX-License-Identifier: GPL-2.0
/* absent: implicit declaration of function .istress_planted_undeclared. */
int probe(void);
int probe(void)
{
	return istress_planted_undeclared();
}
EOF
	(cd "$d/module/probes" && kbuild_run --bind "$work" -- make -C "$kdir" \
		M="$d/module/probes" W=1 "${KBUILD_ARGS[@]}" -k modules) >"$d.direct.log" 2>&1
	check "$pkg: probes: the planted header fails a W=1 build (control of the next)" \
		grep -q "planted_w1.h:.*unused-but-set-variable" "$d.direct.log"
	probe_make "$kdir" "$d" "$d.log" W=1
	rc=$?
	sed -n 's/^probes: /# /p' "$d.log"
	check "$pkg: probes: make W=1 does not reach them (the W=1-only header answers 1)" \
		answered "$d" "$rc" ISTRESS_HAVE_PLANTED_W1 1
	check "$pkg: probes: a first error in its own file answers 0, under that error" \
		answered "$d" "$rc" ISTRESS_HAVE_PLANTED_OWN 0 \
		"planted_own.c:6:16: error: implicit declaration of function 'istress_planted_undeclared'"

	# Its own file, but not the absent API's error.
	d=$base/unused
	probe_copy "$d" "$src"
	plant "$d" planted_unused.c <<'EOF'
// SPDX-License-Identifier: GPL-2.0
/* absent: implicit declaration of function .istress_planted_undeclared. */
int probe(void);
int probe(void)
{
	int planted_unused;

	return 0;
}
EOF
	probe_make "$kdir" "$d" "$d.log"
	rc=$?
	sed -n 's/^probes: /# /p' "$d.log"
	check "$pkg: probes: another error in its own file stops the build, no answer" \
		stopped "$rc" "$d" "$d.log" \
		"planted_unused.c did not build, and not for the API's absence: planted_unused.c:6:"

	# On a copy of their own, so that they depend on no control above.
	d=$base/stamp
	probe_copy "$d" "$src"
	cp "$base/w1/module/probes/planted_own.c" "$d/module/probes/"
	probe_make "$kdir" "$d" "$d.log"
	# The log is written anew by every build, even when its text repeats.
	before=$(mtime "$d/module/probes/probes.log")
	probe_make "$kdir" "$d" "$d.again.log"
	rc=$?
	check "$pkg: probes: the same kernel and compiler reuse the answers" \
		reused "$rc" "$d/module/probes/probes.log" "$before"
	relabelled_cc "$kdir" "$work/bin/cc-relabelled"
	probe_make "$kdir" "$d" "$d.cc.log" CC="$work/bin/cc-relabelled"
	rc=$?
	check "$pkg: probes: a compiler with another --version asks again" \
		rebuilt "$rc" "$d/module/probes/probes.log" "$before"
	before=$(mtime "$d/module/probes/probes.log")
	(export CC=/nonexistent/istress-env-cc
	 probe_make "$kdir" "$d" "$d.env.log" CC="$work/bin/cc-relabelled")
	rc=$?
	check "$pkg: probes: a CC only in the environment changes nothing" \
		reused "$rc" "$d/module/probes/probes.log" "$before"
}
