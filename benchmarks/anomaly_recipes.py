"""The anomaly guide's recipe as its original scripts run it, against `dfd anomaly` within the same wall-clock time,
on the hard synthetic cartoon set (`dfd synth --kind cartoon --hard`: anomalies are new combinations of the normal
characters' parts, sharing their style, colours and backgrounds), over several seeds, in one run.

- **guide**: a plain PyTorch re-implementation of the guide's `simpsons_anomaly_classifier.py` as the guide describes it:
  torchvision `ImageFolder`, images decoded and resized every epoch, RandomHorizontalFlip + RandomRotation(10),
  ImageNet normalization, torchvision ResNet18 from scratch, Adam lr 1e-3, 5 epochs, 80/20 random split, the best
  epoch by validation accuracy; scores: the guide's three (max softmax, max logit, entropy).
- **dfd**: `dfd anomaly train` with the `budget` preset (one-cycle AdamW over the wall-clock time) given the guide's
  measured training time of the same seed as its budget, then `dfd anomaly score` (all eleven scores). Its decoded
  cache is built once per dataset and size before training (timed apart: `startup_index_cache_s`). `dfd anomaly select`
  then picks a detector on validation-only evidence (held-out classes); its test AUROC is `selected_auroc`.

Reported per recipe and score: AUROC mean ± std over seeds; training seconds and the dfd / guide time ratio.

Run: .venv/bin/python benchmarks/anomaly_recipes.py [--seeds 3] [--size 64] [--n 200] [--dfd-set key=value ...]
Writes benchmarks/anomaly_recipes.json.
"""
import argparse, json, os, platform, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd, torch, torchvision
from torchvision import transforms as T
from deepfake_detect.synth import make_cartoon
from deepfake_detect.anomaly import max_softmax, max_logit, entropy, ood_metrics, GUIDE_SCORES

p = argparse.ArgumentParser()
p.add_argument('--seeds', type=int, default=3)
p.add_argument('--size', type=int, default=64)
p.add_argument('--n', type=int, default=200, help='training images per character (8 characters)')
p.add_argument('--epochs', type=int, default=5, help="the guide recipe's epochs")
p.add_argument('--dfd-set', nargs='*', default=[], help='extra --set for dfd anomaly train, e.g. optimizer.lr=3e-3')
p.add_argument('--out', default=None)
a = p.parse_args()
tmp = Path(a.out or tempfile.mkdtemp())
ds = tmp/'hard'
if not (ds/'synth.json').exists(): make_cartoon(ds, n=a.n, n_test=20, n_anomaly=40, hard=True, progress=False)
torch.set_num_threads(os.cpu_count())
stats = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])

def guide(seed):
    "The guide's training and inference scripts, plainly: returns (seconds of training, {score: auroc}, best valid acc)."
    t0 = time.time()   # from the start, as the guide's script runs: dataset scan, loaders, model, epochs
    torch.manual_seed(seed); np.random.seed(seed)
    tr_tf = T.Compose([T.Resize((a.size, a.size)), T.RandomHorizontalFlip(), T.RandomRotation(10), T.ToTensor(), T.Normalize(*stats)])
    ev_tf = T.Compose([T.Resize((a.size, a.size)), T.ToTensor(), T.Normalize(*stats)])
    full = torchvision.datasets.ImageFolder(ds/'simpsons_dataset')
    idx = torch.randperm(len(full), generator=torch.Generator().manual_seed(seed)).tolist()
    cut = int(.8 * len(full))
    sub = lambda ix, tf: torch.utils.data.Subset(torchvision.datasets.ImageFolder(ds/'simpsons_dataset', transform=tf), ix)
    tl = torch.utils.data.DataLoader(sub(idx[:cut], tr_tf), batch_size=32, shuffle=True, num_workers=2)
    vl = torch.utils.data.DataLoader(sub(idx[cut:], ev_tf), batch_size=32, num_workers=2)
    model = torchvision.models.resnet18(weights=None, num_classes=len(full.classes))
    opt, lossf = torch.optim.Adam(model.parameters(), lr=1e-3), torch.nn.CrossEntropyLoss()
    best, state = -1, None
    for e in range(a.epochs):
        model.train()
        for x, y in tl:
            opt.zero_grad(); lossf(model(x), y).backward(); opt.step()
        model.eval(); c = n = 0
        with torch.no_grad():
            for x, y in vl: c += int((model(x).argmax(1) == y).sum()); n += len(y)
        if c / n > best: best, state = c / n, {k: v.clone() for k, v in model.state_dict().items()}
    secs = time.time() - t0
    model.load_state_dict(state); model.eval()
    from PIL import Image
    files = [(f, 0) for f in sorted((ds/'test'/'normal').iterdir())] + [(f, 1) for f in sorted((ds/'test'/'anomaly').iterdir())]
    with torch.no_grad(): lg = torch.cat([model(torch.stack([ev_tf(Image.open(f).convert('RGB')) for f, _ in files[i:i + 64]])) for i in range(0, len(files), 64)])
    y = np.array([l for _, l in files])
    return secs, {k: ood_metrics(f(lg), y)['auroc'] for k, f in zip(GUIDE_SCORES, (max_softmax, max_logit, entropy))}, best

def dfd(seed, budget):
    "dfd anomaly train (budget preset, `budget` seconds) and score: (seconds of training, {score: auroc}, best valid acc)."
    out = tmp/f'dfd_{seed}'
    shutil.rmtree(out, ignore_errors=True)   # a fresh run: the budget differs from run to run
    dfd_bin = Path(sys.executable).parent/'dfd'
    t = time.time()
    subprocess.run([dfd_bin, 'anomaly', 'train', ds, '--out', out, '--preset', 'budget', '--set', f'size={a.size}', f'seed={seed}', f'budget_s={budget:.1f}', *a.dfd_set],
                   check=True, capture_output=True)
    cmd_s = time.time() - t
    args = ['--preset', 'budget', '--set', f'size={a.size}', f'seed={seed}', f'budget_s={budget:.1f}', *a.dfd_set]
    subprocess.run([dfd_bin, 'anomaly', 'select', ds, '--out', out, *args], check=True, capture_output=True)   # validation-only choice
    subprocess.run([dfd_bin, 'anomaly', 'score', ds, '--out', out, '--boot', '200'], check=True, capture_output=True)
    tj, m = json.loads((out/'anomaly'/'train.json').read_text()), json.loads((out/'anomaly'/'metrics.json').read_text())
    return tj['seconds'], {k: v['auroc'] for k, v in m['scores'].items()}, tj['best_valid_acc'], tj['epochs'], cmd_s - tj['seconds'], m['selected']['score']

rows = []
for s in range(42, 42 + a.seeds):
    gs, ga, gv = guide(s)
    rows.append(dict(recipe='guide', seed=s, seconds=gs, valid_acc=gv, epochs=a.epochs) | ga)
    print(json.dumps(rows[-1]), flush=True)
    ds_, da, dv, de, other, sel = dfd(s, gs)
    rows.append(dict(recipe='dfd', seed=s, seconds=ds_, valid_acc=dv, epochs=de, startup_index_cache_s=other, selected=sel, selected_auroc=da[sel]) | da)
    print(json.dumps(rows[-1]), flush=True)
df = pd.DataFrame(rows)
scores = [c for c in df.columns if c not in ('recipe', 'seed', 'seconds', 'valid_acc', 'epochs', 'startup_index_cache_s', 'selected', 'selected_auroc')]
summ = {r: {k: dict(mean=float(g[k].mean()), std=float(g[k].std())) for k in scores + ['seconds', 'valid_acc', 'epochs', 'startup_index_cache_s', 'selected_auroc'] if g[k].notna().all()}
        for r, g in df.groupby('recipe')}
g, d = summ['guide'], summ['dfd']
best_guide = max(GUIDE_SCORES, key=lambda k: g[k]['mean'])
best_dfd = max((k for k in d if k in scores), key=lambda k: d[k]['mean'])
res = dict(cpu_count=os.cpu_count(), torch=torch.__version__, python=platform.python_version(), size=a.size, n_per_class=a.n, seeds=a.seeds,
           guide_epochs=a.epochs, dfd_set=a.dfd_set, runs=rows, summary=summ,
           time_ratio_dfd_over_guide=d['seconds']['mean'] / g['seconds']['mean'],
           best_guide=dict(score=best_guide) | g[best_guide], best_dfd=dict(score=best_dfd) | d[best_dfd],
           logit_scores_at_least_guide={k: d[k]['mean'] >= g[k]['mean'] for k in GUIDE_SCORES},
           selected=df[df.recipe == 'dfd'].selected.tolist(),
           margin_in_seed_std=(d[best_dfd]['mean'] - g[best_guide]['mean']) / max(d[best_dfd]['std'], g[best_guide]['std']))
Path('benchmarks/anomaly_recipes.json').write_text(json.dumps(res, indent=1) + '\n')
for r in ('guide', 'dfd'):
    print(r, ', '.join(f"{k} {summ[r][k]['mean']:.3f} ± {summ[r][k]['std']:.3f}" for k in scores + ['seconds', 'valid_acc', 'epochs'] if k in summ[r]))
print(f"time ratio dfd/guide {res['time_ratio_dfd_over_guide']:.2f}; best guide {best_guide} {g[best_guide]['mean']:.3f}; best dfd {best_dfd} {d[best_dfd]['mean']:.3f}; margin {res['margin_in_seed_std']:.1f} seed-std")
