"""A synthetic DeepFakeFace-layout tree, fast enough to make at 120,000 files: what `benchmarks/dff_scale.py` indexes, audits, splits and caches.

DFF's geometry: `wiki/` reals of varied size and aspect (150-900 px wide, mostly portraits, some landscape), and the three fake sources
`inpainting/`, `insight/`, `text2img/` as 512 x 512 JPEGs; the same key in each source (one identity, one group). As in DFF, insight/A is
B's photo with A's face (identities paired), so near-duplicate links join pairs of identities. Each image is drawn on a small canvas and
resized, with a fixed noise tile added so that its JPEG has a photo's bytes per pixel and decode cost.

Run: .venv/bin/python benchmarks/dff_tree.py DEST --ids 30000 [--workers 2]   (4 x ids files)
"""
import argparse, os, time
from multiprocessing import Pool
from pathlib import Path
import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from tqdm.auto import tqdm
from deepfake_detect.synth import face_patch, DFF_SOURCES

FAKE = 512
_NOISE = np.random.default_rng(0).integers(-9, 10, (1600, 1600, 3)).astype(np.int16)

def real_size(rng):
    "A wiki photo's size: 150-900 px wide (log-uniform), 85 % portraits (w/h 0.6-1.0), 15 % landscape (1.0-1.5)."
    w = int(np.exp(rng.uniform(np.log(150), np.log(900))))
    return w, max(64, int(w / (rng.uniform(.6, 1.) if rng.random() < .85 else rng.uniform(1., 1.5))))

def photo(scene, face, size, noise_at):
    "Identity `scene`'s photo with LFW face `face` at `size`: drawn at 1/8 scale in relative coordinates, so two sizes of a scene look alike."
    rng = np.random.default_rng(scene)
    w, h = size
    sw, sh = max(12, w // 8), max(12, h // 8)
    c0, c1 = rng.integers(30, 226, 3), rng.integers(30, 226, 3)
    t = np.linspace(0, 1, sh)[:, None, None] if rng.random() < .5 else np.linspace(0, 1, sw)[None, :, None]
    img = Image.fromarray(np.ascontiguousarray(np.broadcast_to(c0 * (1 - t) + c1 * t, (sh, sw, 3)).astype(np.uint8)))
    d = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(6, 12))):
        r, cx, cy = rng.uniform(.05, .2) * min(sw, sh), rng.uniform() * sw, rng.uniform() * sh
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    side = max(6, int(min(sw, sh) * rng.uniform(.5, .65)))
    f, m = face_patch(face, side, (1., rng.uniform(.72, .9), rng.uniform(.55, .78)))
    img.paste(f, ((sw - side) // 2, int(sh * .45 - side / 2)), m)
    a = np.asarray(img.resize((w, h), Image.BILINEAR), dtype=np.int16)
    oy, ox = noise_at
    return Image.fromarray(np.clip(a + _NOISE[oy:oy + h, ox:ox + w], 0, 255).astype(np.uint8))

def _ids(args):
    "Write identities `i0..i1` (paired with `partner`): four JPEGs each."
    dest, seed, i0, i1, n = args
    for i in range(i0, i1):
        rng, b = np.random.default_rng([seed, i]), i ^ 1 if (i ^ 1) < n else i   # pairs (0, 1), (2, 3), ...
        ra, rb = np.random.default_rng([seed, i, 0]), np.random.default_rng([seed, b, 0])
        scene_a, face_a, size_a = int(ra.integers(2**31)), int(ra.integers(100)), real_size(ra)
        scene_b, face_b = int(rb.integers(2**31)), int(rb.integers(100))
        key = f'{i % 100:02d}/{10000 + i}_{1940 + i % 55}-{1 + i % 12:02d}-{1 + i % 28:02d}_{2000 + i % 16}'
        nz = lambda: tuple(int(v) for v in rng.integers(0, 1600 - 1500, 2))
        imgs = {'wiki': photo(scene_a, face_a, size_a, nz()),
                'inpainting': photo(scene_a, face_a, (FAKE, FAKE), nz()).filter(ImageFilter.SMOOTH),
                'insight': photo(scene_b, face_a, (FAKE, FAKE), nz()),
                'text2img': photo(int(rng.integers(2**31)), face_b, (FAKE, FAKE), nz())}
        for src, img in imgs.items():
            p = Path(dest)/src/f'{key}.jpg'
            p.parent.mkdir(parents=True, exist_ok=True)
            img.save(p, format='JPEG', quality=int(rng.integers(85, 96)))
    return i1 - i0

def make_tree(dest, ids, seed=0, workers=2, progress=True):
    "Write the tree of `ids` identities (4 x `ids` files) to `dest`; return the seconds it took (0 if it was already there)."
    dest = Path(dest)
    done = dest/'tree.done'
    if done.exists() and done.read_text() == f'{ids} {seed}': return 0.
    for s in DFF_SOURCES: (dest/s).mkdir(parents=True, exist_ok=True)
    t, step = time.time(), 250
    jobs = [(str(dest), seed, i, min(i + step, ids), ids) for i in range(0, ids, step)]
    with Pool(workers) as pool, tqdm(total=ids, desc=f'dff tree ({4 * ids} files)', disable=not progress) as bar:
        for k in pool.imap_unordered(_ids, jobs): bar.update(k)
    done.write_text(f'{ids} {seed}')
    return time.time() - t

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('dest'); p.add_argument('--ids', type=int, default=30000); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--workers', type=int, default=os.cpu_count())
    a = p.parse_args()
    print(f'{make_tree(a.dest, a.ids, a.seed, a.workers):.0f} s')
