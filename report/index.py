"""A run folder (results/runs/<date>-<id>/) and its index, matrix.json:

    matrix.json                       the index (results/matrix-schema.json)
    cells/KERNEL/IOMMU/PATTERN.VARIANT/
        record.json  ktap.txt         the tool's JSON record and KTAP
        log.txt                       the cell's kernel log lines that matter
        stderr.txt                    the tool's stderr, when it wrote any
    boots/BOOT-ID/
        dmesg.txt.gz  console.txt.gz  the boot's whole guest log and console
        vm-run.txt                    scripts/vm-run's progress and errors

and the cache of cells a later run may take over, in
${IOMMU_STRESS_CACHE:-~/.cache/iommu-stress}/matrix/, by key."""
import json
import os
import shutil

SCHEMA_VERSION = 1
INDEX = "matrix.json"


def cache_dir():
    base = os.environ.get("IOMMU_STRESS_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "iommu-stress")
    return os.path.join(base, "matrix")


def load(run_dir):
    with open(os.path.join(run_dir, INDEX)) as f:
        return json.load(f)


def save(run_dir, index):
    """Write the index atomically: an interrupted write leaves the last one."""
    path = os.path.join(run_dir, INDEX)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(index, f, indent=1, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)


def cell_by_id(index):
    return {c["id"]: c for c in index.get("cells", [])}


class Cache:
    """Cells by key hash: a folder with the cell's files and entry.json, and
    the boots their logs came from."""

    def __init__(self, root=None):
        self.root = root or cache_dir()

    def _cell(self, key_hash):
        return os.path.join(self.root, "cells", key_hash)

    def get(self, key_hash):
        path = os.path.join(self._cell(key_hash), "entry.json")
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def put(self, run_dir, entry, boot):
        """Keep a finished cell (and its boot's logs) for later runs."""
        dest = self._cell(entry["key_hash"])
        tmp = dest + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(os.path.join(run_dir, entry["dir"]), tmp)
        with open(os.path.join(tmp, "entry.json"), "w") as f:
            json.dump(entry, f, indent=1)
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        os.replace(tmp, dest)
        if boot:
            bdest = os.path.join(self.root, "boots", boot["id"])
            if not os.path.isdir(bdest):
                shutil.copytree(os.path.join(run_dir, "boots", boot["id"]), bdest)
                with open(os.path.join(bdest, "boot.json"), "w") as f:
                    json.dump(boot, f, indent=1)

    def take(self, run_dir, key_hash):
        """Copy a cached cell (and its boot's logs) into the run; returns
        (entry, boot) or (None, None)."""
        entry = self.get(key_hash)
        if entry is None:
            return None, None
        dest = os.path.join(run_dir, entry["dir"])
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(self._cell(key_hash), dest,
                        ignore=shutil.ignore_patterns("entry.json"))
        boot = None
        if entry.get("boot"):
            src = os.path.join(self.root, "boots", entry["boot"])
            bdest = os.path.join(run_dir, "boots", entry["boot"])
            try:
                with open(os.path.join(src, "boot.json")) as f:
                    boot = json.load(f)
                if not os.path.isdir(bdest):
                    shutil.copytree(src, bdest,
                                    ignore=shutil.ignore_patterns("boot.json"))
            except OSError:
                boot = None
                entry = dict(entry, boot=None)
        return entry, boot
