"""`dfd predict` throughput on this machine (images/s, CPU): the whole path (read and decode the file, face detection
for face-crop models, the view, each of the 5 fold models) against the fold models' forward passes alone on the
same images already decoded and viewed (the baseline, measured in the same run), per architecture, view and size.

Models are untrained 5-fold ensembles (the cost does not depend on the weights); images are a synthetic DFF-like set
(JPEG/PNG files of about 256 px, like the demo's). Each timing is the median of --reps runs over --n images.

Run: .venv/bin/python benchmarks/predict_speed.py [--n 200] [--reps 3] [--sizes 48 128] [--bs 64]
Writes benchmarks/predict_speed.json.
"""
import argparse, json, os, platform, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from deepfake_detect.config import resolve
from deepfake_detect.synth import make_dff
from deepfake_detect.models import create_model
from deepfake_detect.preprocessing import IMAGENET_STATS, view_image
from deepfake_detect.cv import predict_rows
from deepfake_detect.predict import Detector, image_files, load_image

p = argparse.ArgumentParser()
p.add_argument('--n', type=int, default=200, help='images per timing')
p.add_argument('--reps', type=int, default=3)
p.add_argument('--sizes', type=int, nargs='+', default=[48, 128])
p.add_argument('--archs', nargs='+', default=['simplecnn', 'resnet18'])
p.add_argument('--bs', type=int, default=64)
a = p.parse_args()

def med(f):
    ts = []
    for _ in range(a.reps):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return float(np.median(ts))

tmp = Path(tempfile.mkdtemp())
ds = make_dff(tmp/'dff', n=(a.n + 3) // 4, seed=0, progress=False)
files = [f for f in image_files(ds) if f.suffix.lower() in ('.jpg', '.jpeg', '.png')][:a.n]
val = pd.DataFrame(dict(label=[0, 1], prob=[.2, .8]))   # a threshold is needed; its value does not change the cost
res = dict(cpu_count=os.cpu_count(), torch_threads=torch.get_num_threads(), python=platform.python_version(), torch=torch.__version__,
           n=len(files), reps=a.reps, bs=a.bs, folds=5, rows=[])
for sz in a.sizes:
    for arch in a.archs:
        for view in ('squish', 'face'):
            torch.manual_seed(0)
            cfg = resolve(overrides=dict(arch=arch, size=sz, view=view))
            det = Detector(cfg, [create_model(arch, 2).eval() for _ in range(5)], [list(IMAGENET_STATS)] * 5, val)
            det.predict(files[:8])   # warm up (and load MTCNN once)
            full = med(lambda: det.predict(files, bs=a.bs))
            boxes = det._faces([load_image(f)[0] for f in files]) if view == 'face' else None
            arr = np.stack([np.asarray(view_image(load_image(f)[0], sz, view, None if boxes is None else tuple(boxes.iloc[i][['x0', 'y0', 'x1', 'y1']])))
                            for i, f in enumerate(files)])
            rows = pd.DataFrame(dict(row=np.arange(len(arr)), label=0))
            fwd = med(lambda: [predict_rows(m, arr, rows, IMAGENET_STATS, a.bs) for m in det.models])
            r = dict(size=sz, arch=arch, view=view, predict_img_per_s=len(files) / full, forward_only_img_per_s=len(files) / fwd,
                     predict_vs_forward_time=full / fwd)
            res['rows'].append(r)
            print(json.dumps({k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()}), flush=True)
# one image at a time (bs 1) vs batches, SimpleCNN squish at the first size
cfg = resolve(overrides=dict(arch='simplecnn', size=a.sizes[0], view='squish'))
det = Detector(cfg, [create_model('simplecnn', 2).eval() for _ in range(5)], [list(IMAGENET_STATS)] * 5, val)
one = med(lambda: det.predict(files[:50], bs=1)) / 50
res['simplecnn_squish_bs1_s_per_img'] = one
print(f'one image per call (bs 1), simplecnn squish {a.sizes[0]} px: {one * 1000:.1f} ms/img')
Path('benchmarks/predict_speed.json').write_text(json.dumps(res, indent=1) + '\n')
