"""The script one VM boot runs: its cells one after the other, each between
two markers, in the kernel log (so the log can be cut into cells) and on
the console (so the host sees each cell end while the guest still runs)."""
import re
import shlex

MARK = "iommu-stress-matrix:"
# On the console; vm-run streams it to its stdout.
CONSOLE = re.compile(r"@@MATRIX (begin|end) (\S+)(?: (\d+))?")
# In the kernel log.
KLOG = re.compile(re.escape(MARK) + r" (begin|end) (\S+)(?: (\d+))?")

PROLOGUE = f"""\
# One boot of scripts/matrix: each cell writes NAME.json, NAME.ktap and
# NAME.err in /out; its exit status follows its end marker.
# overmap maps over live mappings, which the module allows only with
# driver_warns=1; no other pattern asks for it.
echo 1 >/sys/module/iommu_stress/parameters/driver_warns
mark() {{
	echo "{MARK} $*" >/dev/kmsg
	echo "@@MATRIX $*"
}}
cell() {{
	name=$1
	shift
	mark begin "$name"
	"$@" --json "/out/$name.json" --ktap >"/out/$name.ktap" 2>"/out/$name.err"
	mark end "$name" $?
}}
"""


# A boot of 1G cells loads the module again with the unsafe parameter that
# lets the IOMMU driver build 1G leaves (in a VM, harmless to the host);
# the console says so when it cannot, before any cell begins.
RELOAD_1G = """\
if ! {{ rmmod iommu_stress && insmod /lib/modules-extra/iommu_stress.ko {params}; }}; then
	echo "matrix: reloading iommu_stress with {params} failed"
	exit 3
fi
"""


def script(cells, module_params=None):
    """The guest script of one boot; module_params: the module is loaded
    again with them first (a boot of 1G cells)."""
    lines = [RELOAD_1G.format(params=module_params)] if module_params else []
    lines.append(PROLOGUE)
    for cell in cells:
        lines.append("cell " + " ".join(shlex.quote(a) for a in
                                        [cell.guest_name] + cell.argv))
    return "\n".join(lines) + "\n"
