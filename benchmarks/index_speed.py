"""Indexing speed: files/s of `index_folder` on 10,000 synthetic files, 1 worker vs 2 workers (same run, same files).

Run: .venv/bin/python benchmarks/index_speed.py [--n 2500]   (n identities -> 4n files)
Writes benchmarks/index_speed.json.
"""
import argparse, json, platform, time, os
from pathlib import Path
from deepfake_detect.synth import make_dff
from deepfake_detect.data import index_folder, merge_groups, read_pairs

p = argparse.ArgumentParser(); p.add_argument('--n', type=int, default=2500); p.add_argument('--dest', default='benchmarks/_work/dff10k')
a = p.parse_args()
dest = Path(a.dest)
t = time.time()
if not (dest/'synth.json').exists(): make_dff(dest, n=a.n, seed=0, shortcuts=('aspect',))
synth_s = time.time() - t
res = dict(files=4 * a.n, synth_seconds=round(synth_s, 1), cpu_count=os.cpu_count(), python=platform.python_version())
for w in (0, 2):  # 0 = in-process (the baseline), 2 = two worker processes
    t = time.time(); df = index_folder(dest, n_workers=w, progress=False); dt = time.time() - t
    res[f'workers_{w}'] = dict(seconds=round(dt, 2), files_per_s=round(len(df) / dt, 1))
t = time.time(); _, merges = merge_groups(df, read_pairs(dest/'pairs.csv')); res['merge_seconds'] = round(time.time() - t, 2)
res['speedup_2_workers_vs_1'] = round(res['workers_2']['files_per_s'] / res['workers_0']['files_per_s'], 2)
print(json.dumps(res, indent=2))
Path('benchmarks/index_speed.json').write_text(json.dumps(res, indent=2) + '\n')
