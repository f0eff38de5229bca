"""Training cost of every architecture at the demo's sizes: images/s of a plain torch loop (AdamW, batch 32,
random tensors already in memory: the model alone), timed after a warm-up, median of --reps runs.
It says which Phase 3 architectures are the costliest, the selection the demo's worst case forces in Phase 4.

Run: .venv/bin/python benchmarks/arch_cost.py [--sizes 32,48] [--archs a,b] [--reps 3]   (ConvNeXt needs at least 32 px)
Writes benchmarks/arch_cost.json.
"""
import argparse, json, os, platform, statistics, time
from pathlib import Path
import torch
from deepfake_detect.models import ARCHS, create_model

p = argparse.ArgumentParser()
p.add_argument('--sizes', default='32,48'); p.add_argument('--archs', default=','.join(ARCHS)); p.add_argument('--reps', type=int, default=3)
p.add_argument('--bs', type=int, default=32); p.add_argument('--steps', type=int, default=6)
a = p.parse_args()
torch.manual_seed(0)
res = {}
for arch in a.archs.split(','):
    res[arch] = {}
    for sz in map(int, a.sizes.split(',')):
        m = create_model(arch).train()
        opt = torch.optim.AdamW(m.parameters(), 1e-3)
        x, y = torch.randn(a.bs, 3, sz, sz), torch.randint(0, 2, (a.bs,))
        def step():
            opt.zero_grad(); torch.nn.functional.cross_entropy(m(x), y).backward(); opt.step()
        for _ in range(2): step()   # warm-up
        runs = []
        for _ in range(a.reps):
            t = time.perf_counter()
            for _ in range(a.steps): step()
            runs.append(a.steps * a.bs / (time.perf_counter() - t))
        res[arch][sz] = round(statistics.median(runs), 1)
        print(f'{arch:24s} {sz:3d} px: {res[arch][sz]:7.1f} img/s', flush=True)
rel = {arch: {sz: round(res['resnet18'][sz] / v, 2) for sz, v in r.items()} for arch, r in res.items()}
out = dict(img_s=res, cost_vs_resnet18=rel, batch_size=a.bs, threads=torch.get_num_threads(),
           machine=dict(cpus=os.cpu_count(), platform=platform.platform(), python=platform.python_version(), torch=torch.__version__))
Path(__file__).with_suffix('.json').write_text(json.dumps(out, indent=2) + '\n')
