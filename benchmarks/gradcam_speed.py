"""Grad-CAM cost on this machine: seconds per image per architecture and CAM method, against a plain evaluation
forward pass of the same images in the same run (the baseline), plus MTCNN on the evaluated views and one whole
`explain` of a gallery of 20 images (every figure included).

Models are untrained (the cost does not depend on the weights); images are random uint8 views. Each timing is the
median of --reps runs over --n images, batch 20 (a gallery's size).

Run: .venv/bin/python benchmarks/gradcam_speed.py [--sizes 48 128] [--n 40] [--reps 3] [--methods gradcam gradcam++ eigencam]
Writes benchmarks/gradcam_speed.json.
"""
import argparse, json, os, platform, time
from pathlib import Path
import numpy as np, torch
from PIL import Image
from deepfake_detect.models import ARCHS, create_model, cam_layer_name
from deepfake_detect.gradcam import cam_maps
from deepfake_detect.preprocessing import detect_faces, get_transforms, apply_tfms

p = argparse.ArgumentParser()
p.add_argument('--sizes', type=int, nargs='+', default=[48, 128])
p.add_argument('--n', type=int, default=40, help='images per timing')
p.add_argument('--reps', type=int, default=3)
p.add_argument('--methods', nargs='+', default=['gradcam', 'gradcam++', 'eigencam'])
p.add_argument('--archs', nargs='+', default=list(ARCHS))
a = p.parse_args()
rng = np.random.default_rng(0)

def med(f):
    ts = []
    for _ in range(a.reps):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return float(np.median(ts))

res = dict(cpu_count=os.cpu_count(), torch_threads=torch.get_num_threads(), python=platform.python_version(), torch=torch.__version__,
           n=a.n, reps=a.reps, batch=20, rows=[])
for sz in a.sizes:
    imgs = rng.integers(0, 256, (a.n, sz, sz, 3), dtype=np.uint8)
    x = apply_tfms(get_transforms(False), imgs).as_subclass(torch.Tensor)
    for arch in a.archs:
        torch.manual_seed(0)
        m = create_model(arch).eval()
        def fwd():
            with torch.no_grad():
                for i in range(0, len(x), 20): m(x[i:i + 20])
        base = med(fwd) / a.n
        row = dict(size=sz, arch=arch, layer=cam_layer_name(m, arch, sz), forward_s_per_img=base)
        for meth in a.methods:
            t = med(lambda: cam_maps(m, arch, x, meth, bs=20)) / a.n
            row[f'{meth}_s_per_img'] = t
            row[f'{meth}_vs_forward'] = t / base
        res['rows'].append(row)
        print(json.dumps({k: (round(v, 5) if isinstance(v, float) else v) for k, v in row.items()}))
    pil = [Image.fromarray(i) for i in imgs]
    res[f'mtcnn_s_per_img_{sz}px'] = med(lambda: detect_faces(pil)) / a.n
    print(f'MTCNN on {sz}px views: {res[f"mtcnn_s_per_img_{sz}px"]:.4f} s/img')

# one whole explain: a tiny trained experiment, gallery of 20, every figure written
import tempfile
from deepfake_detect.config import resolve
from deepfake_detect.synth import make_dff
from deepfake_detect.cv import run_experiment
from deepfake_detect.gradcam import explain
tmp = Path(tempfile.mkdtemp())
ds = make_dff(tmp/'dff', n=50, seed=0, shortcuts=('aspect',), progress=False)
for arch in ('simplecnn', 'resnet18'):
    cfg = resolve(overrides=dict(study='b', arch=arch, n_folds=2, epochs=1, size=48, test_ratio=0.1))
    run_experiment(arch, cfg, ds, tmp/'runs', progress=False)
    explain(tmp/'runs'/'b'/arch, ds, n=20, max_images=20, progress=False)   # warm: MTCNN boxes of the views cached
    res[f'explain_gallery20_{arch}_48px_s'] = med(lambda: explain(tmp/'runs'/'b'/arch, ds, n=20, max_images=20, force=True, progress=False))
    print(f'explain (gallery of 20, figures, calibration; view faces cached) {arch} 48 px: {res[f"explain_gallery20_{arch}_48px_s"]:.2f} s')
Path('benchmarks/gradcam_speed.json').write_text(json.dumps(res, indent=1))
