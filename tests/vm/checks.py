#!/usr/bin/env python3
"""Named claims about one run's JSON record (results/schema.json).

    checks.py NAME FILE [ARG]...          exit 0 if the claim holds, 1 if not
    checks.py --print NAME FILE [ARG]...  a one-line summary of the record

A claim that does not hold says why on stderr; so does a missing record or
field, which never counts as holding.
"""
import json
import sys


class Fail(Exception):
    pass


def field(d, path):
    """The value at a dotted path: 'corruptions.total', 'cases.1.status'."""
    v = d
    for part in path.split('.'):
        try:
            v = v[int(part)] if isinstance(v, list) else v[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise Fail(f'no field {path}')
    return v


def literal(text):
    """A JSON literal (0, true, null) or else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def size(text):
    """Bytes in 4K, 2M, 128G or a plain number."""
    units = {'K': 10, 'M': 20, 'G': 30, 'T': 40}
    if text[-1:] in units:
        return int(text[:-1], 0) << units[text[-1]]
    return int(text, 0)


def must(ok, why):
    if not ok:
        raise Fail(why)
    return True


# Each claim takes the record and the ARGs (strings) and returns True or
# raises Fail with what it found instead.

def eq(d, path, want):
    got, lit = field(d, path), literal(want)
    # json's true is not 1
    same = got == lit and isinstance(got, bool) == isinstance(lit, bool)
    return must(same, f'{path} is {json.dumps(got)}, not {want}')


def gt(d, path, bound):
    got = field(d, path)
    return must(isinstance(got, (int, float)) and got > literal(bound),
                f'{path} is {json.dumps(got)}, not above {bound}')


def only_class(d, cls):
    """Every corruption is of one class (stale: an old translation)."""
    c = field(d, 'corruptions')
    return must(c['total'] == c[cls], f'corruptions {c}: not all {cls}')


def walk_names_expected(d):
    """IOVA_TO_PHYS beside each wrong read: the driver's table is right
    (names the page the read expected, or nothing where nothing should be
    mapped), so the wrong data came from a stale IOTLB entry."""
    reported = field(d, 'reported')
    must(len(reported) > 0, 'no reported corruptions')
    for r in reported:
        pt = r['page_table']
        if r['expected'] is None:
            must(pt['state'] == 'unmapped', f'{r["iova"]}: walk {pt}, expected unmapped')
        else:
            must((pt['state'], pt.get('page')) == ('buffer', r['expected']['page']),
                 f'{r["iova"]}: walk {pt}, expected page {r["expected"]["page"]}')
    return True


def _names_got(r):
    """One wrong read's walk names the page the device read, another page
    of the buffer expected."""
    exp, got, pt = r['expected'], r.get('got'), r['page_table']
    must(exp is not None and got is not None,
         f'{r["iova"]}: class {r["class"]}, expected {exp}, got {got}')
    must(got['buffer'] == exp['buffer'] and got['page'] != exp['page'],
         f'{r["iova"]}: got {got}, expected {exp}')
    must((pt['state'], pt.get('buffer'), pt.get('page')) ==
         ('buffer', got['buffer'], got['page']),
         f'{r["iova"]}: walk {pt}, the device read {got}')


def walk_names_got(d):
    """IOVA_TO_PHYS beside each wrong read names the page the device read,
    another page of the buffer expected: the page table itself maps the
    wrong page (tests/vm/wrong-page-control), no cache is stale."""
    reported = field(d, 'reported')
    must(len(reported) > 0, 'no reported corruptions')
    for r in reported:
        _names_got(r)
    return True


def wrong_page_beside(d, cls, *prefix):
    """The wrong page where the kernel corrupts data of its own: every
    reported read of class CLS names the page the device read (as
    walk_names_got), at least one does, and every other wrong read is in
    a case whose name starts with PREFIX (the case where this kernel's own
    corruption is expected; none with no PREFIX)."""
    prefix, reported = ' '.join(prefix), field(d, 'reported')
    mine = [r for r in reported if r['class'] == cls]
    must(mine, f'no reported {cls} read among {len(reported)}')
    for r in reported:
        if r['class'] == cls:
            _names_got(r)
        else:
            must(prefix and r['case'].startswith(prefix),
                 f'{r["iova"]}: a {r["class"]} read in case {r["case"]!r}, '
                 f'not in {prefix!r}')
    return True


def phase_is(d, *phase):
    """Every reported corruption is in PHASE (several ARGs are one)."""
    phase = ' '.join(phase)
    seen = {r['phase'] for r in field(d, 'reported')}
    return must(seen == {phase}, f'reported in phases {sorted(seen)}, not only {phase!r}')


def words(args):
    """ARGs given one a word or several in one (from tests/vm/expect)."""
    return ' '.join(args).split()


def page_sizes(d, *sizes):
    """The IOMMU offers each of these page sizes (4K, 2M, 1G)."""
    sizes = words(sizes)
    bitmap = int(field(d, 'iommu.pgsize_bitmap'), 16)
    missing = [s for s in sizes if not bitmap & size(s)]
    return must(not missing, f'pgsize_bitmap {bitmap:#x} lacks {" ".join(missing)}')


def cap_bits(d, *bits):
    """Intel cap register bits as BIT=VALUE, and a non-zero ecap: the tool
    read both from sysfs."""
    cap = int(field(d, 'iommu.cap'), 16)
    for item in words(bits):
        bit, want = (int(x) for x in item.split('='))
        must(cap >> bit & 1 == want, f'cap {cap:#x}: bit {bit} is not {want}')
    return must(int(field(d, 'iommu.ecap'), 16) > 0, 'ecap is 0')


def cases_accounted(d):
    """Every case ran checks or was skipped with a reason."""
    bad = [c['name'] for c in field(d, 'cases')
           if not (c['checks'] > 0 or c['status'] == 'skip' and c.get('skip_reason'))]
    return must(not bad, f'cases without checks or reason: {bad}')


def timed(d):
    return must(field(d, 'first_corruption_ns') is not None, 'no first_corruption_ns')


def threads_seen(d):
    """Every mapper and checker thread is in the record, and the checkers'
    case has more checks than the mappers alone make."""
    threads = field(d, 'placement.threads')
    o = field(d, 'options')
    must(len(threads) == o['threads'] + o['dma_threads'],
         f'{len(threads)} threads placed, {o["threads"]} + {o["dma_threads"]} asked')
    checks = field(d, 'cases')[-2]['checks']
    return must(checks > o['threads'] * 2, f'live-neighbour case: {checks} checks')


def histograms_ordered(d):
    for name, h in field(d, 'lat_ns').items():
        p = h['percentile']
        must(h['N'] > 0 and h['min'] <= p['50.000000'] <= p['99.000000'] <= h['max'],
             f'lat_ns.{name}: {h}')
    return True


def placed(d, node, cpu):
    """Buffers on NODE, every thread pinned to CPU and running there."""
    must(field(d, 'placement.buffer_node') == int(node), 'buffers on another node')
    for t in field(d, 'placement.threads'):
        must(t['pinned'] == cpu and t['cpu'] == int(cpu), f'thread {t}')
    return eq(d, 'exit_code', '0')


def interrupted(d):
    return must(field(d, 'interrupted') is True and field(d, 'iterations') > 0,
                'not interrupted after some iterations')


def observed(d, key, prefix=''):
    """An observation KEY whose value starts with PREFIX."""
    values = [o['value'] for o in field(d, 'observations') if o['key'] == key]
    return must(any(v.startswith(prefix) for v in values),
                f'observations {key!r}: {values}, none starting {prefix!r}')


def observed_is(d, key, value):
    """An observation KEY whose value is exactly VALUE (from tests/vm/expect)."""
    values = [o['value'] for o in field(d, 'observations') if o['key'] == key]
    return must(value in values, f'observations {key!r}: {values}, not {value!r}')


def corrupt_cases(d):
    return [c['name'] for c in field(d, 'cases') if c.get('corruptions', 0) > 0]


def corrupt_only_in(d, *prefix):
    """Corruption, and all of it in cases whose name starts with PREFIX
    (several ARGs are one prefix, spaces between)."""
    prefix, bad = ' '.join(prefix), corrupt_cases(d)
    must(bad, 'no case found corruption')
    return must(all(n.startswith(prefix) for n in bad),
                f'cases with corruption: {bad}, not only {prefix!r}')


def corrupt_outside(d, *prefix):
    """Corruption in a case whose name does not start with PREFIX (with no
    PREFIX: in any case)."""
    prefix, bad = ' '.join(prefix), corrupt_cases(d)
    return must(any(not prefix or not n.startswith(prefix) for n in bad),
                f'cases with corruption: {bad}, none but {prefix!r}')


def case_failed(d, index):
    c = field(d, f'cases.{index}')
    return must(c['status'] == 'fail' and c['corruptions'] > 0, f'case {c}')


def has_observations(d):
    return must(len(field(d, 'observations')) > 0, 'no observations')


def still_mapped_agrees(d):
    """The module's count of unmaps the driver left mapped and the tool's
    own walk after them agree on whether there were any."""
    module = field(d, 'still_mapped_unmaps') > 0
    tool = any('still maps' in o['value'] for o in field(d, 'observations'))
    return must(module == tool, f'module says {module}, the tool\'s walk {tool}')


def case_checked(d, index):
    c = field(d, f'cases.{index}')
    return must(c['status'] == 'pass' and c['checks'] > 0, f'case {c}')


def on_channel(d):
    """A run on a dmaengine channel, in its device's shared domain."""
    eq(d, 'target_info.backend', 'dmaengine')
    return eq(d, 'iommu.shared', 'true')


def unmapped_unchecked(d):
    """Reads of unmapped IOVAs skipped and counted, none tried."""
    return must(d.get('unmapped_unchecked', 0) > 0 and d.get('dma_faulted', 0) == 0,
                f'unmapped_unchecked {d.get("unmapped_unchecked")}, dma_faulted {d.get("dma_faulted")}')


def range_is(d, start, length):
    got = (int(field(d, 'iommu.range_start'), 0), int(field(d, 'iommu.range_last'), 0))
    want = (size(start), size(start) + size(length) - 1)
    return must(got == want, f'range {got[0]:#x}-{got[1]:#x}, not {want[0]:#x}-{want[1]:#x}')


CLAIMS = {f.__name__: f for f in (
    eq, gt, only_class, walk_names_expected, walk_names_got, wrong_page_beside,
    phase_is,
    page_sizes, cap_bits,
    cases_accounted, timed, threads_seen, histograms_ordered, placed,
    interrupted, observed, observed_is, has_observations, still_mapped_agrees,
    case_checked, case_failed, corrupt_only_in, corrupt_outside, on_channel,
    unmapped_unchecked, range_is)}


def classes(d):
    return ' '.join(f'{k} {v}' for k, v in field(d, 'corruptions').items())


def observations(d, key=None):
    """All observations, one per line; or the values of one KEY."""
    obs = field(d, 'observations')
    if key is not None:
        return '; '.join(o['value'] for o in obs if o['key'] == key)
    return '\n'.join(f'{o["key"]}: {o["value"]}' for o in obs)


def outcome(d):
    c = field(d, 'corruptions')
    return (f'{c["total"]} corruptions (stale {c["stale"]}, foreign {c["foreign"]}, '
            f'zero {c["zero"]}), first_corruption_ns {d["first_corruption_ns"]}, '
            f'{d["iterations"]} iterations, {d["dma_checks"]} DMA checks')


SUMMARIES = {f.__name__: f for f in (classes, observations, outcome)}


def main(argv):
    show = argv[1:2] == ['--print']
    args = argv[2:] if show else argv[1:]
    table = SUMMARIES if show else CLAIMS
    if len(args) < 2 or args[0] not in table:
        print(f'usage: {argv[0]} [--print] NAME FILE [ARG]...; NAME one of {" ".join(table)}',
              file=sys.stderr)
        return 2
    name, path, rest = args[0], args[1], args[2:]
    try:
        with open(path) as f:
            d = json.load(f)
        result = table[name](d, *rest)
    except (OSError, ValueError) as e:
        print(f'{name}: {e}', file=sys.stderr)
        return 1
    except Fail as e:
        print(f'{name} {path}: {e}', file=sys.stderr)
        return 1
    except (KeyError, IndexError, TypeError) as e:
        print(f'{name} {path}: {type(e).__name__}: {e}', file=sys.stderr)
        return 1
    if show:
        print(result)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
