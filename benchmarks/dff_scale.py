"""The data path at DeepFakeFace scale on one machine: wall time and peak memory of `dfd index`, `dfd audit`, `dfd split`, the squish
cache at 128 px (a 20 % experiment's rows and 100 %), the face boxes, and the near-duplicate search at 10k / 30k / 120k files beside the
exact (all-pairs) search it replaced.

The tree is `benchmarks/dff_tree.py`'s: 30,000 identities x 4 sources = 120,000 files with DFF's geometry (reals of varied size and aspect,
fakes 512 x 512 JPEG). Each step runs in its own process; its memory is the peak, sampled every 0.25 s, of the summed PSS of its process
tree (PSS shares a page among the processes mapping it, so forked workers are not counted twice), beside the largest single RSS.

Run: .venv/bin/python benchmarks/dff_scale.py [--ids 30000] [--work /tmp/dff_scale] [--steps tree,index,audit,split,cache20,cache100,faces,near]
Writes benchmarks/dff_scale.json (steps run now replace their earlier figures).
"""
import argparse, json, os, platform, re, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, psutil

HERE = Path(__file__).resolve().parent
OUT = HERE/'dff_scale.json'
DFD = [str(Path(sys.executable).parent/'dfd')]
TARGETS = dict(index_audit_split_seconds=15 * 60, peak_mb=4096)

def measure(cmd, log, env=None):
    "Run `cmd` (argv) and sample its process tree: wall seconds, peak summed PSS (MB), peak largest RSS (MB), exit status."
    t, peak, top = time.time(), 0, 0
    with open(log, 'w') as fh: p = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, 'HF_HUB_OFFLINE': '1', **(env or {})})
    root = psutil.Process(p.pid)
    while p.poll() is None:
        pss = rss = 0
        try: procs = [root] + root.children(recursive=True)
        except psutil.NoSuchProcess: break
        for q in procs:
            try: m = q.memory_full_info(); pss += m.pss; rss = max(rss, m.rss)
            except (psutil.NoSuchProcess, psutil.AccessDenied): pass
        peak, top = max(peak, pss), max(top, rss)
        time.sleep(0.25)
    return dict(seconds=round(time.time() - t, 1), peak_mb=round(peak / 2**20), largest_process_rss_mb=round(top / 2**20), rc=p.returncode, log=str(log))

def py(code): return [sys.executable, '-c', code]

def output(log):
    "The last lines a step printed, without its progress bars."
    lines = re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', Path(log).read_text()).replace('\r', '\n').splitlines()
    return [l.strip() for l in lines if l.strip() and '%|' not in l and 'it/s]' not in l][-4:]

def cache_code(work, data, frac):
    "A process that builds the squish 128 px cache of a `frac` experiment's rows, as `prepare` does."
    return py(f"""
from deepfake_detect.data import load_index, load_merges, make_splits
from deepfake_detect.cv import experiment_rows
from deepfake_detect.preprocessing import build_cache
idx = load_index('{work}/index.parquet')
rows = experiment_rows(make_splits(idx, {frac}, 5, 0.1, 0.1, 42, False, load_merges('{work}/index.parquet')))
arr, _ = build_cache(rows, '{data}', 128, 'squish', '{work}/cache_{frac}', n_workers=2)
print('rows', len(rows), 'of', int(idx.ok.sum()), 'shape', arr.shape, 'bytes', arr.nbytes)""")

def faces_code(work, data, n):
    "A process that finds the face boxes of `n` images (whole identities), as the face view's cache does."
    return py(f"""
from deepfake_detect.data import load_index
from deepfake_detect.preprocessing import face_boxes
idx = load_index('{work}/index.parquet')
sub = idx[idx.ok].sort_values('path').head({n})
b = face_boxes(sub, '{data}', '{work}/cache_faces', n_workers=2)
print('images', len(b), 'faces found', int(b.x0.notna().sum()))""")

def subset(df, n):
    "The rows of the first `n` / 4 identities (their four images each), before any merge: what the near-duplicate search is given."
    ids = df.key.str.extract(r'/(\d+)_')[0].astype(int) - 10000
    return df[ids < n // 4].assign(group=lambda d: d.key).reset_index(drop=True)

def near_step(work, sizes, exact_max=30000, seed=0):
    "The near-duplicate search at each of `sizes`: seconds of `near_dups` (2 threads) and of `near_dups_exact`, the search it replaced (above `exact_max`: timed on part of its chunks and scaled), the pairs found and whether both agree, and the share of all pairs that a Hamming index at 24 bits would return (a sample of 2M pairs)."
    from deepfake_detect.data import load_index, near_dups, near_dups_exact, block_sums, _dup_inputs, _confirm
    idx, out = load_index(f'{work}/index.parquet'), {}
    for n in sizes:
        d = subset(idx, n)
        t = time.time(); fast = near_dups(d, workers=2, progress=True); tf = time.time() - t
        ok, h, th, grp = _dup_inputs(d)
        m, rng = len(h), np.random.default_rng(seed)
        a, b = rng.integers(0, m, 2_000_000), rng.integers(0, m, 2_000_000)
        a, b = a[a != b], b[a != b]
        ham = float((np.bitwise_count(h[a] ^ h[b]) <= 24).mean())   # the share of pairs a Hamming index at 24 bits must return
        x = block_sums(th).astype(int)
        blk = float(((np.abs(x[a] - x[b]).sum(1) <= th.shape[1] * 18) & (np.bitwise_count(h[a] ^ h[b]) <= 24)).mean())   # what reaches the thumbnail check
        r = dict(files=len(d), seconds=round(tf, 2), workers=2, pairs=len(fast), pair_share_within_24_bits=round(ham, 4),
                 pair_share_within_24_bits_and_block_sums=round(blk, 5))
        if n <= exact_max:
            t = time.time(); ex = near_dups_exact(d); te = time.time() - t
            pd.testing.assert_frame_equal(fast, ex)
            r |= dict(exact_seconds=round(te, 2), same_pairs_as_exact=True)
        else:   # too long to run whole: its own loop, timed on 12 of its chunks spread evenly over the rows, scaled to all of them
            step = max(1, 20_000_000 // m)
            starts = np.linspace(0, m - step, 12).astype(int)
            t = time.time()
            for i0 in starts:
                ii, jj = np.nonzero(np.bitwise_count(h[i0:i0 + step, None] ^ h[None, :]) <= 24)
                ii = ii + i0
                _confirm(ii[jj > ii], jj[jj > ii], h, th, grp, 24, 18.)
            te = (time.time() - t) * m / (12 * step)
            r |= dict(exact_seconds_extrapolated=round(te, 1), exact_note=f'near_dups_exact\'s loop timed on 12 of its {-(-m // step)} chunks (spread over the rows) and scaled')
        out[str(n)] = r
        print(json.dumps({n: r}), flush=True)
    return out

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--ids', type=int, default=30000); p.add_argument('--work', default='/tmp/dff_scale')
    p.add_argument('--steps', default='tree,index,audit,split,cache20,cache100,faces,near'); p.add_argument('--faces', type=int, default=2000)
    p.add_argument('--near-step', type=str, default=None, help=argparse.SUPPRESS)
    a = p.parse_args()
    work = Path(a.work); data = work/'dff'
    if a.near_step:
        print('RESULT ' + json.dumps(near_step(work, [int(s) for s in a.near_step.split(',')]))); return
    res = json.loads(OUT.read_text()) if OUT.exists() else {}
    res |= dict(files=4 * a.ids, cpu_count=os.cpu_count(), python=platform.python_version(), machine=platform.machine(), targets=TARGETS)
    steps, logs = a.steps.split(','), work/'logs'
    logs.mkdir(parents=True, exist_ok=True)
    S = res.setdefault('steps', {})
    def save(): OUT.write_text(json.dumps(res, indent=2) + '\n')
    if 'tree' in steps:
        sys.path.insert(0, str(HERE)); from dff_tree import make_tree
        t = make_tree(data, a.ids)
        if t: S['tree'] = dict(seconds=round(t, 1), note='writing the synthetic tree (not part of the targets)')
    cmds = dict(index=DFD + ['index', str(data), '--out', str(work/'index.parquet'), '--workers', '2'],
                audit=DFD + ['audit', str(work/'index.parquet'), '--out', str(work/'audit')],
                split=DFD + ['split', str(work/'index.parquet')],
                cache20=cache_code(work, data, 0.2), cache100=cache_code(work, data, 1.0), faces=faces_code(work, data, a.faces))
    for s in [s for s in steps if s in cmds]:
        if s.startswith('cache') or s == 'faces':
            import shutil; shutil.rmtree(work/{'cache20': 'cache_0.2', 'cache100': 'cache_1.0', 'faces': 'cache_faces'}[s], ignore_errors=True)   # built from nothing
        print(f'== {s}', flush=True)
        S[s] = measure(cmds[s], logs/f'{s}.log')
        S[s]['output'] = output(S[s]['log'])
        print(json.dumps(S[s], indent=1), flush=True); save()
    if 'near' in steps:
        m = measure([sys.executable, __file__, '--work', str(work), '--near-step', '10000,30000,120000'], logs/'near.log')
        got = [l for l in Path(m['log']).read_text().splitlines() if l.startswith('RESULT ')]
        res['near_dups'] = json.loads(got[-1][7:]) if got else dict(error=m)
        res['near_dups']['process'] = m
        t = {n: res['near_dups'][n]['seconds'] for n in ('30000', '120000') if n in res['near_dups']}
        if len(t) == 2: res['near_dups']['growth_exponent_30k_to_120k'] = round(float(np.log(t['120000'] / t['30000']) / np.log(4)), 2)
        save()
    if all(k in S for k in ('index', 'audit', 'split')):
        tot = S['index']['seconds'] + S['audit']['seconds'] + S['split']['seconds']
        peaks = {k: v['peak_mb'] for k, v in S.items() if 'peak_mb' in v}
        res['verdict'] = dict(index_audit_split_seconds=round(tot, 1), index_audit_split_under_15_min=tot < TARGETS['index_audit_split_seconds'],
                              peak_mb=peaks, every_step_under_4_gb=max(peaks.values()) < TARGETS['peak_mb'])
        save()
    print(json.dumps(res.get('verdict', {}), indent=1))

if __name__ == '__main__': main()
