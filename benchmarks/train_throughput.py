"""Training throughput (images/s) of one model on the same images, in one run:
  (a) naive  - every image decoded from disk and cropped/resized on every epoch (with `face`: MTCNN runs on every load);
  (b) ours   - the decoded uint8 cache (`build_cache`), memory-mapped, with the same batch transforms;
  (c) bound  - the model alone: a plain torch loop on random tensors already in memory.
(a) and (b) run the same fastai `Learner` (AdamW, batch 32, no augmentation); only the DataLoader differs.
All use num_workers=0 and torch's default threads. The cache build is timed apart (it happens once per
(data, size, view) and is shared by every fold and experiment).

Each pipeline is timed --reps times, interleaved with the others, and the median is reported.

Run: .venv/bin/python benchmarks/train_throughput.py [--arch simplecnn] [--size 64] [--n 100] [--device cpu] [--amp]
Writes benchmarks/train_throughput[_ARCH_SIZE_DEVICE].json.
"""
import argparse, json, os, platform, shutil, time
from functools import partial
from pathlib import Path
import numpy as np, torch
from fastai.vision.all import Learner, DataLoader, DataLoaders, CrossEntropyLossFlat, Adam, TensorImage, TensorCategory
from fasttransform import Pipeline
from deepfake_detect.synth import make_dff
from deepfake_detect.data import build_index, read_image
from deepfake_detect.preprocessing import build_cache, get_transforms, view_image, detect_faces, _mtcnn
from deepfake_detect.cv import make_dl
from deepfake_detect.models import create_model

p = argparse.ArgumentParser()
p.add_argument('--arch', default='simplecnn'); p.add_argument('--size', type=int, default=64)
p.add_argument('--n', type=int, default=100, help='identities (4 images each)')
p.add_argument('--bs', type=int, default=32); p.add_argument('--device', default='cpu')
p.add_argument('--amp', action='store_true', help='mixed precision and channels-last (GPU)')
p.add_argument('--dest', default='benchmarks/_work/throughput')
p.add_argument('--reps', type=int, default=5, help='timed repetitions per pipeline (medians are reported)')
a = p.parse_args()
dest, dev = Path(a.dest), torch.device(a.device)
ds = dest/'dff'
if not (ds/'synth.json').exists(): make_dff(ds, n=a.n, seed=0, shortcuts=('aspect',), progress=False)
df, _ = build_index(ds, n_workers=0, progress=False)
shutil.rmtree(dest/'cache', ignore_errors=True)  # time the cache build from scratch
rows = df[df.ok].reset_index(drop=True).assign(row=lambda d: np.arange(len(d)))

class NaiveDS(torch.utils.data.Dataset):
    "Decode, (detect,) crop and resize on every access: what a pipeline without a cache does each epoch."
    def __init__(self, view): self.view, self.mt = view, (_mtcnn() if view == 'face' else None)
    def __len__(self): return len(rows)
    def __getitem__(self, i):
        img = read_image(ds/rows.path[i])
        box = tuple(detect_faces([img], mt=self.mt).iloc[0, :4]) if self.view == 'face' else None
        img = view_image(img, a.size, self.view, box)
        return TensorImage(torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1)), TensorCategory(int(rows.label[i]))

def learner(dl):
    model = create_model(a.arch, 2)
    if a.amp: model = model.to(memory_format=torch.channels_last)
    learn = Learner(DataLoaders(dl, dl, device=dev), model, loss_func=CrossEntropyLossFlat(), opt_func=partial(Adam, decouple_wd=True), lr=1e-4, wd=1e-4)
    if a.amp: learn = learn.to_fp16()
    return learn

from fastai.callback.core import Callback, CancelValidException
class SkipValid(Callback):
    def before_validate(self): raise CancelValidException()

def epoch_timer(dl):
    "A function timing one training epoch over `dl` (images/s, validation skipped), after a warm-up epoch."
    learn = learner(dl)
    learn.remove_cbs([c for c in learn.cbs if type(c).__name__ == 'ProgressCallback'])
    n = len(dl) * dl.bs if dl.drop_last else len(dl.dataset)
    def one():
        t = time.time()
        with learn.no_logging(): learn.fit(1, cbs=[SkipValid()])
        return n / (time.time() - t)
    one()  # warm-up: allocations, MTCNN, thread pools
    return one

def bound_timer(steps=12):
    "A function timing `steps` steps of forward + backward + AdamW on random in-memory tensors (images/s)."
    model = create_model(a.arch, 2).to(dev)
    if a.amp: model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)
    x = torch.randn(a.bs, 3, a.size, a.size, device=dev); y = torch.randint(0, 2, (a.bs,), device=dev)
    if a.amp: x = x.to(memory_format=torch.channels_last)
    scaler = torch.amp.GradScaler(enabled=a.amp)
    def step():
        with torch.autocast(dev.type, enabled=a.amp):
            loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad(); scaler.scale(loss).backward(); scaler.step(opt); scaler.update()
    def one():
        if dev.type == 'cuda': torch.cuda.synchronize()
        t = time.time()
        for _ in range(steps): step()
        if dev.type == 'cuda': torch.cuda.synchronize()
        return steps * a.bs / (time.time() - t)
    for _ in range(3): step()
    return one

res = dict(arch=a.arch, size=a.size, images=len(rows), batch_size=a.bs, device=a.device, amp=a.amp,
           torch_threads=torch.get_num_threads(), cpu_count=os.cpu_count(), python=platform.python_version(), torch=torch.__version__)
tfms = get_transforms(True)
for view in ('squish', 'face'):
    t = time.time()
    arr, _ = build_cache(rows, ds, a.size, view, dest/'cache', n_workers=2, progress=False)
    build = time.time() - t
    timers = dict(bound=bound_timer(), cache=epoch_timer(make_dl(arr, rows, tfms, a.bs, shuffle=True)),
                  naive=epoch_timer(DataLoader(NaiveDS(view), bs=a.bs, shuffle=True, drop_last=True, after_batch=Pipeline(tfms))))
    rates = {k: [] for k in timers}
    for i in range(a.reps):  # interleaved, so a drift of the machine's speed hits all three alike
        for k, one in timers.items():
            if k != 'naive' or view != 'face' or i == 0: rates[k].append(one())  # naive face: one epoch is slow enough
    med = {k: float(np.median(v)) for k, v in rates.items()}
    res[view] = dict(naive_img_s=round(med['naive'], 1), cache_img_s=round(med['cache'], 1), bound_img_s=round(med['bound'], 1),
                     cache_build_s=round(build, 1), cache_vs_naive=round(med['cache'] / med['naive'], 2),
                     cache_vs_bound=round(med['cache'] / med['bound'], 3), runs={k: [round(r, 1) for r in v] for k, v in rates.items()})
    print(view, res[view], flush=True)
print(json.dumps(res, indent=2))
tag = '' if (a.arch, a.size, a.device, a.amp) == ('simplecnn', 64, 'cpu', False) else f'_{a.arch}_{a.size}_{a.device}{"_amp" if a.amp else ""}'
Path(f'benchmarks/train_throughput{tag}.json').write_text(json.dumps(res, indent=2) + '\n')
