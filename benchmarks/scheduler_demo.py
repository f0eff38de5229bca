"""Wall time of the demo study (every phase, demo preset, on the demo's synthetic data: 200 identities, aspect
shortcut) with the sequential scheduler and with `--scheduler ray` (a local Ray, one CPU per fold), in one run,
each from an empty results folder. Explanations (Grad-CAM) run as in the demo.

From the same run's per-fold seconds it projects what a box with S slots (4 GPUs: S = 4) would take: each grid
(Phases 1-2, then 3, then 4A-4B: a grid waits for the selection before it) is list-scheduled, longest fold first,
on S slots; the driver's own work (preparation, tables, Grad-CAM, re-evaluation) is added as measured. The same
projection with S = 2 is checked against the measured Ray run. Per-fold seconds are this CPU's: on a GPU every
fold is far shorter, but the projection's shape (how much parallel slots save) is the same.

Run: .venv/bin/python benchmarks/scheduler_demo.py [--n 200] [--slots 4]
Writes benchmarks/scheduler_demo.json.
"""
import argparse, heapq, json, os, shutil, subprocess, sys, time
from pathlib import Path
from deepfake_detect.synth import make_dff

p = argparse.ArgumentParser()
p.add_argument('--n', type=int, default=200); p.add_argument('--slots', type=int, default=4)
p.add_argument('--dest', default='benchmarks/_work/scheduler_demo')
a = p.parse_args()
dest = Path(a.dest); dest.mkdir(parents=True, exist_ok=True)
data = dest/'synth_dff'
if not (data/'synth.json').exists(): make_dff(data, n=a.n, seed=0, shortcuts=('aspect',), progress=False)
dfd = Path(sys.executable).parent/'dfd'
env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'MPLBACKEND': 'Agg'}

def run(name, *extra):
    out = dest/name
    shutil.rmtree(out, ignore_errors=True)
    t = time.time()
    subprocess.run([str(dfd), 'study', '--data', str(data), '--out', str(out), '--preset', 'demo', *extra], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out, time.time() - t

def grids(out):
    "Per grid of the study: the seconds of each fold it trained (from metrics.json), and the grid's wall time."
    st = json.loads((out/'study.json').read_text())
    res, seen = [], set()
    for g in st['grids']:   # a config belongs to the first grid that links it (later phases reuse it)
        cids = {os.path.basename(os.readlink(l)) for ph in g['phases'] for l in (out/ph).iterdir() if l.is_symlink()} - seen
        seen |= cids
        secs = [json.loads(f.read_text())['seconds'] for c in cids for f in (out/'runs'/c).glob('fold_*/metrics.json')]
        res.append(dict(phases=g['phases'], folds=g['done'], wall=g['seconds'], fold_seconds=secs))
    return st, res

def makespan(secs, slots):
    "Longest-processing-time-first list scheduling of `secs` on `slots` workers."
    load = [0.0] * slots
    for s in sorted(secs, reverse=True): heapq.heappush(load, heapq.heappop(load) + s)
    return max(load)

res = {}
for name, extra in (('sequential', ()), ('ray', ('--scheduler', 'ray'))):
    out, wall = run(name, *extra)
    st, gs = grids(out)
    res[name] = dict(wall_s=round(wall, 1), study_s=st['seconds'], grid_s=[g['wall'] for g in gs], folds=sum(g['folds'] for g in gs),
                     fold_s_sum=round(sum(sum(g['fold_seconds']) for g in gs), 1), driver_s=round(wall - sum(g['wall'] for g in gs), 1), grids=gs)
seq = res['sequential']
# the sequential run's grids are per phase; regroup its folds into the Ray run's grids (the barriers a parallel run has)
stage_of = {ph: i for i, g in enumerate(res['ray']['grids']) for ph in g['phases']}
stages = [[] for _ in res['ray']['grids']]
for g in seq['grids']: stages[stage_of[g['phases'][0]]] += g['fold_seconds']
proj = {s: round(seq['driver_s'] + sum(makespan(x, s) for x in stages), 1) for s in (1, 2, a.slots)}
res['projection'] = dict(note='driver seconds (sequential run) + per-grid makespan of the sequential run\'s per-fold seconds on S slots',
                         seconds_by_slots=proj, measured_ray_2_slots=res['ray']['wall_s'], speedup_4_slots=round(seq['wall_s'] / proj[a.slots], 2))
res['ratio_ray_vs_sequential'] = round(res['ray']['wall_s'] / seq['wall_s'], 3)
for r in ('sequential', 'ray'):
    for g in res[r]['grids']: g['fold_seconds'] = [round(s, 2) for s in g['fold_seconds']]
res['machine'] = dict(cores=os.cpu_count(), python=sys.version.split()[0])
Path('benchmarks/scheduler_demo.json').write_text(json.dumps(res, indent=2) + '\n')
print(json.dumps({k: v for k, v in res.items() if k not in ('sequential', 'ray')} | {k: {x: y for x, y in res[k].items() if x != 'grids'} for k in ('sequential', 'ray')}, indent=2))
