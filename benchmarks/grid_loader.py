"""Loader throughput (images/s) from the decoded uint8 cache at DFF scale, in one run:
  (a) per image - the loader before this change: a Dataset returning one image at a time, collated by fastai
                  (`ItemDS` below, a copy of the old `ArrayDS`);
  (b) per batch - `cv.make_dl` (`CacheDL`): one slice of the memory-mapped cache per batch.
Both iterate one shuffled epoch over the training rows of a fold (60 % of N images) with the training batch
transforms (uint8 -> float, normalize) on CPU, num_workers=0, batch 64. Each is timed --reps times, interleaved;
medians are reported with the ratio (b)/(a). The `_read` variants leave the transforms out: on a GPU they run
on the device, so reading is what the CPU side must deliver. A GPU's appetite for context: ResNet18 at 128 px trains at several
thousand images/s on one H100 in bf16, so a loader must deliver well above that.

Run: .venv/bin/python benchmarks/grid_loader.py [--n 24000] [--size 128] [--reps 3]
Writes benchmarks/grid_loader.json.
"""
import argparse, json, os, platform, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from fastai.vision.all import DataLoader, TensorImage, TensorCategory
from fasttransform import Pipeline
from deepfake_detect.cv import make_dl
from deepfake_detect.preprocessing import get_transforms

p = argparse.ArgumentParser()
p.add_argument('--n', type=int, default=24000, help='images in the cache (DFF: about 24k)')
p.add_argument('--size', type=int, default=128); p.add_argument('--bs', type=int, default=64)
p.add_argument('--reps', type=int, default=3); p.add_argument('--dest', default='benchmarks/_work/grid_loader')
a = p.parse_args()
dest = Path(a.dest); dest.mkdir(parents=True, exist_ok=True)
f = dest/f'cache_{a.n}_{a.size}.npy'
if not f.exists():   # random pixels: the loader does not look at them
    m = np.lib.format.open_memmap(f, mode='w+', dtype=np.uint8, shape=(a.n, a.size, a.size, 3))
    rng = np.random.default_rng(0)
    for i in range(0, a.n, 1000): m[i:i + 1000] = rng.integers(0, 256, m[i:i + 1000].shape, dtype=np.uint8)
    m.flush(); del m
arr = np.load(f, mmap_mode='r')
rows = pd.DataFrame(dict(row=np.random.default_rng(1).permutation(a.n)[:int(a.n * .6)], label=np.random.default_rng(2).integers(0, 2, int(a.n * .6))))
tfms = get_transforms(True, False)

class ItemDS(torch.utils.data.Dataset):
    "The loader before: one image per __getitem__, collated into a batch by fastai."
    def __init__(self, arr, idx, y): self.arr, self.idx, self.y = arr, np.asarray(idx), np.asarray(y)
    def __len__(self): return len(self.idx)
    def __getitem__(self, i): return TensorImage(torch.from_numpy(np.array(self.arr[self.idx[i]])).permute(2, 0, 1)), TensorCategory(int(self.y[i]))

loaders = {'per_image': lambda: DataLoader(ItemDS(arr, rows.row, rows.label), bs=a.bs, shuffle=True, drop_last=True, after_batch=Pipeline(tfms)),
           'per_batch': lambda: make_dl(arr, rows, tfms, a.bs, shuffle=True),
           # reading alone: on a GPU the transforms run on the device, so this is what the CPU side must deliver
           'per_image_read': lambda: DataLoader(ItemDS(arr, rows.row, rows.label), bs=a.bs, shuffle=True, drop_last=True),
           'per_batch_read': lambda: make_dl(arr, rows, [], a.bs, shuffle=True)}
def epoch(dl):
    t, n = time.perf_counter(), 0
    for x, y in dl: n += len(x)
    return n / (time.perf_counter() - t)

for dl in loaders.values(): epoch(dl())   # warm the page cache: the cache file is read from memory in both
times = {k: [] for k in loaders}
for _ in range(a.reps):
    for k, mk in loaders.items(): times[k].append(epoch(mk()))
res = {k: float(np.median(v)) for k, v in times.items()}
out = dict(images=a.n, size=a.size, batch=a.bs, epoch_images=len(rows), reps=a.reps, img_per_s=res, all=times,
           ratio_per_batch_vs_per_image=res['per_batch'] / res['per_image'], ratio_read=res['per_batch_read'] / res['per_image_read'], threads=torch.get_num_threads(), cpu=platform.processor() or platform.machine(),
           cores=os.cpu_count(), cache_gb=round(f.stat().st_size / 2**30, 2), torch=torch.__version__)
Path('benchmarks/grid_loader.json').write_text(json.dumps(out, indent=2) + '\n')
print(json.dumps(out, indent=2))
