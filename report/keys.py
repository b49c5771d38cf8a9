"""What a cell's result depends on: the kernel, the QEMU, the sources
(scripts/lib/sources --cell: the module's and the tool's, the VM harness
and the matrix's guest script and judgement) and the cell's own command.
Two runs of a cell with the same key give the same result (the guest runs
under -icount), so a later matrix takes it over instead of booting again."""
import hashlib
import json
import os
import shutil
import struct
import subprocess

from . import plan



def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sources(root=plan.ROOT):
    """The files a cell's result is made from, relative to root (the list
    is scripts/lib/sources', which scripts/vm-run copies for its builds)."""
    names = subprocess.run([os.path.join(root, "scripts", "lib", "sources"), "--cell"],
                           check=True, capture_output=True).stdout
    return sorted(set(n for n in names.decode().split("\0") if n))


def sources_hash(root=plan.ROOT):
    """sha256 over the path and contents of every file of the sources:
    uncommitted edits count."""
    h = hashlib.sha256()
    for name in sources(root):
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        h.update(name.encode() + b"\0")
        with open(path, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()


def bzimage_version(path):
    """The version string a bzImage carries in its setup header (what
    'file' prints), e.g. '6.1.0-57-amd64 (debian-kernel@...) #1 SMP
    PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)'; None if it has none."""
    with open(path, "rb") as f:
        head = f.read(0x8000)
    if len(head) < 0x210 or head[0x202:0x206] != b"HdrS":
        return None
    offset = struct.unpack_from("<H", head, 0x20E)[0] + 0x200
    if not 0x200 < offset < len(head):
        return None
    return head[offset:head.index(b"\0", offset)].decode(errors="replace")


def kernel_files(spec):
    """(vmlinuz, boot image, build tree) of a vm-run --kernel SPEC, fetched
    into the cache by scripts/lib/kernel-image; raises CalledProcessError
    with its message when the spec cannot be resolved."""
    helper = os.environ.get("IOMMU_STRESS_KERNEL_IMAGE") or os.path.join(
        plan.ROOT, "scripts", "lib", "kernel-image")   # tests put a stand-in here
    out = subprocess.run([helper, spec], check=True, capture_output=True,
                         text=True).stdout.split("\n")
    return out[0], out[1], out[2]


def kernel_identity(spec):
    vmlinuz, image, _ = kernel_files(spec)
    return {"kernel": bzimage_version(vmlinuz) or os.path.basename(vmlinuz),
            "kernel_sha256": sha256_file(image)}


def qemu_binary(which):
    """The QEMU binary vm-run's --qemu distro|current runs."""
    if which == "distro":
        path = shutil.which("qemu-system-x86_64")
        if not path:
            raise RuntimeError("qemu-system-x86_64 missing: run scripts/setup")
        return path
    out = subprocess.run([os.path.join(plan.ROOT, "qemu", "build")],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def qemu_identity(which):
    path = qemu_binary(which)
    version = subprocess.run([path, "--version"], check=True,
                             capture_output=True, text=True).stdout
    return {"qemu": version.splitlines()[0].strip(),
            "qemu_sha256": sha256_file(path)}


def vm_run_options(cell):
    """The scripts/vm-run options of the cell's vIOMMU, and of its boot (a
    1G cell's memory)."""
    return plan.IOMMUS[cell.iommu]["vm_run"] + (plan.SETUP_1G["vm_run"] if cell.leaves else [])


def cell_key(cell, kernel, qemu, sources):
    """The key of a cell from the identities of its kernel and QEMU; a
    cell of the module's test build says so (the build's environment), a
    1G cell its boot's memory (in vm_run) and module parameter; the others'
    keys are as they were before there were either."""
    key = dict(kernel, **qemu, sources=sources,
               command=" ".join(cell.argv),
               vm_run=" ".join(vm_run_options(cell)))
    if cell.leaves:
        key["module_params"] = plan.SETUP_1G["module"]
    if cell.build:
        key["build"] = " ".join(f"{k}={v}" for k, v in
                                sorted(plan.BUILD_ENV[cell.build].items()))
    return key


def key_hash(key):
    blob = json.dumps(key, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
