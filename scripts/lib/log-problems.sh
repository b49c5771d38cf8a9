# shellcheck shell=bash
# What in a guest's kernel log fails a run: one list, read by scripts/vm-run
# (exit 123) and by the VM tests that allow a driver's expected WARNING, so
# that a report vm-run fails a run for cannot pass a test.

# DMAR fault reports are expected and pass. slub_debug and page_poison=1
# report as "BUG <cache> (...)" and "pagealloc: memory corruption": a
# device writing to freed memory. A debug kernel's checkers report as
# "BUG: KASAN/KFENCE", lockdep's "WARNING:" or "DEBUG_LOCKS_WARN_ON", and
# kmemleak's scan thread; their banners at boot ("RCU lockdep checking is
# enabled") are not reports.
BAD_LOG='WARNING:|BUG:|BUG [a-z0-9_-]+ \(|Oops|general protection|Call Trace|hung_task|blocked for more than|Kernel panic|KASAN|UBSAN:|DEBUG_LOCKS_WARN_ON|locking correctness validator|possible circular locking|new suspected memory leaks|pagealloc: memory corruption|Poison overwritten|Redzone overwritten'

# bad_log_lines LOG [WARN-REGEX]: print the lines of LOG that fail a run;
# false when there are none. With WARN-REGEX, a WARN_ON's report whose
# "WARNING: CPU: N PID: N at FILE:LINE" line matches it is allowed: that
# line and its "Call Trace:" up to its "---[ end trace" line. Anything
# else of the list, inside such a report too, is still printed (lockdep's
# "WARNING: possible circular locking ..." has another shape and is never
# allowed).
bad_log_lines() {
	[[ -r $1 ]] || return 1
	# Through the environment: awk -v would take the backslashes.
	BAD=$BAD_LOG ALLOWED=${2-} awk '
		BEGIN { bad = ENVIRON["BAD"]; allowed = ENVIRON["ALLOWED"] }
		/WARNING: CPU: [0-9]+ PID: [0-9]+ at / && allowed != "" && $0 ~ allowed {
			inside = 1
			next
		}
		/\[ cut here \]|WARNING:|---\[ end trace/ { inside = 0 }
		inside && /Call Trace/ { next }
		$0 ~ bad { print; found = 1 }
		END { exit !found }' "$1"
}
