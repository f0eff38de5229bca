"""Phase 1 at DeepFakeFace scale on synthetic data, for a GPU box: 24k images (6000 identities × 4 sources),
5 folds, 15 epochs (early stopping as configured), 128 px, SimpleCNN and ResNet18, all the data (frac 1.0).
The target of the scale-out issue: under 10 minutes on one H100.

It writes the synthetic set once (CPU, in parallel), then times `dfd study --phases 1` from an empty results
folder (preparation and the decoded cache included, Grad-CAM left out) with the scheduler given (default: the
sequential scheduler on the one GPU; `--scheduler ray --gpus-per-fold 0.5` puts two folds on each GPU).
Records the wall time, each fold's seconds, epochs, device and precision (bf16 on an H100) from metrics.json.

Run on the GPU box:  .venv/bin/python benchmarks/gpu_phase1.py [--n 6000] [--scheduler sequential] [--gpus-per-fold 0]
Smoke test on a CPU: .venv/bin/python benchmarks/gpu_phase1.py --n 40 --size 32 --epochs 1 --out benchmarks/_work/gpu_phase1_smoke.json
Writes benchmarks/gpu_phase1.json (or --out).
"""
import argparse, json, os, platform, shutil, subprocess, sys, time
from pathlib import Path
import torch
from deepfake_detect.synth import make_dff

p = argparse.ArgumentParser()
p.add_argument('--n', type=int, default=6000, help='identities (4 images each)'); p.add_argument('--size', type=int, default=128)
p.add_argument('--epochs', type=int, default=15); p.add_argument('--folds', type=int, default=5); p.add_argument('--bs', type=int, default=32)
p.add_argument('--scheduler', default='sequential'); p.add_argument('--gpus-per-fold', type=float, default=0)
p.add_argument('--dest', default='benchmarks/_work/gpu_phase1'); p.add_argument('--out', default='benchmarks/gpu_phase1.json')
a = p.parse_args()
dest = Path(a.dest); dest.mkdir(parents=True, exist_ok=True)
data = dest/f'dff_{a.n}'
t = time.time()
if not (data/'synth.json').exists(): make_dff(data, n=a.n, seed=0, shortcuts=('aspect',), progress=True)
synth_s = time.time() - t
out = dest/'study'
shutil.rmtree(out, ignore_errors=True)
cmd = [str(Path(sys.executable).parent/'dfd'), 'study', '--data', str(data), '--out', str(out), '--phases', '1', '--no-explain',
       '--scheduler', a.scheduler, '--set', 'frac=1.0', f'size={a.size}', f'epochs={a.epochs}', f'scheduler.T_max={a.epochs}', f'n_folds={a.folds}', f'batch_size={a.bs}']
if a.gpus_per_fold: cmd += ['--gpus-per-fold', str(a.gpus_per_fold)]
t = time.time()
subprocess.run(cmd, check=True, env={**os.environ, 'HF_HUB_OFFLINE': '1', 'MPLBACKEND': 'Agg'})
wall = time.time() - t
fold_files = sorted(out.glob('runs/*/fold_*/metrics.json'))
per_fold = [dict(arch=json.loads((f.parent.parent/'config.json').read_text())['arch'], fold=m['fold'], seconds=round(m['seconds'], 1), epochs=m['epochs_run'],
                 val_auc=round(m['val_auc'], 4), device=m.get('device'), precision=m.get('precision')) for f in fold_files for m in [json.loads(f.read_text())]]
res = dict(images=4 * a.n, size=a.size, epochs=a.epochs, folds=a.folds, scheduler=a.scheduler, gpus_per_fold=a.gpus_per_fold, wall_s=round(wall, 1),
           synth_s=round(synth_s, 1), target_s=600, per_fold=per_fold,
           gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None, cores=os.cpu_count(), torch=torch.__version__)
Path(a.out).parent.mkdir(parents=True, exist_ok=True)
Path(a.out).write_text(json.dumps(res, indent=2) + '\n')
print(json.dumps({k: v for k, v in res.items() if k != 'per_fold'}, indent=2))
