"The data path at scale, in small: a cache build killed mid-way leaves nothing half-written in place and resumes to the array stacking every image in RAM gives; the near-duplicate search finds the exact search's pairs on an indexed dataset."
import os, signal, subprocess, sys, time
import numpy as np, pandas as pd
from deepfake_detect.synth import make_dff
from deepfake_detect.data import build_index, near_dups, near_dups_exact
from deepfake_detect import preprocessing as pp

def test_killed_cache_build_resumes(tmp_path, monkeypatch):
    ds = make_dff(tmp_path/'dff', n=10, seed=0, progress=False)
    df, _ = build_index(ds, near=False, n_workers=0, progress=False)
    df = pd.concat([df] * 40, ignore_index=True)   # 1,600 rows: time to kill it between two flushes
    df.to_parquet(tmp_path/'rows.parquet')
    cache = tmp_path/'cache'
    code = (f"import pandas as pd; from deepfake_detect.preprocessing import build_cache; "
            f"build_cache(pd.read_parquet({str(tmp_path/'rows.parquet')!r}), {str(ds)!r}, 48, 'letterbox', {str(cache)!r}, n_workers=2, progress=False)")
    p = subprocess.Popen([sys.executable, '-c', code], start_new_session=True)
    t = time.time()
    while not list(cache.glob('*.partial.done')) and p.poll() is None and time.time() - t < 300: time.sleep(0.01)
    os.killpg(p.pid, signal.SIGKILL); p.wait()
    assert p.returncode == -signal.SIGKILL, 'the build finished before it could be killed'
    done = int(next(cache.glob('*.partial.done')).read_text())
    assert 512 <= done < len(df) and not list(cache.glob('*.npy'))   # rows on disk and counted; nothing in place yet
    starts, stream = [], pp.pstream
    monkeypatch.setattr(pp, 'pstream', lambda f, items, *a, **k: (starts.append(len(items)), stream(f, items, *a, **k))[1])
    arr, _ = pp.build_cache(df, ds, 48, 'letterbox', cache, n_workers=0, progress=False)
    assert starts == [len(df) - done]   # resumed where the count stood
    np.testing.assert_array_equal(arr, np.stack([pp._render((ds/p, None), 48, 'letterbox', .3) for p in df.path]))
    assert not list(cache.glob('*.partial*'))

def test_near_dups_match_the_exact_search(tmp_path):
    ds = make_dff(tmp_path/'dff', n=150, seed=1, progress=False)   # insight/A is B's photo: near-duplicates across identities
    df, _ = build_index(ds, near=False, n_workers=2, progress=False)
    df['group'] = df.key   # before the pairs file joins A and B: their near-duplicates are what the search must find
    fast, exact = near_dups(df, chunk=97), near_dups_exact(df)
    pd.testing.assert_frame_equal(fast, exact)
    assert len(fast) >= 50, len(fast)
