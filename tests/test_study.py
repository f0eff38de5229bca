"The study end to end (`dfd study`): reuse by config id, the source holdout, test-set integrity, augmentation on training images only."
import json
import numpy as np, pandas as pd
import pytest
from conftest import dfd
import deepfake_detect.cv as cv
from deepfake_detect.config import resolve
from deepfake_detect.synth import make_dff

SMALL = ['--preset', 'demo', '--set', 'n_folds=2', 'epochs=1', 'batch_size=16']

@pytest.fixture(scope='module')
def study(tmp_path_factory):
    d = tmp_path_factory.mktemp('study')
    dfd('synth', d/'data', '--n', 100, '--shortcuts', 'aspect')
    r = dfd('study', '--data', d/'data', '--out', d/'out', '--phases', '2a_holdout,2d', *SMALL)
    return d, r

def test_study_writes_tables_and_reuses_configs(study):
    d, r = study
    st = json.loads((d/'out'/'study.json').read_text())
    assert set(st['phases']) == {'phase2a_holdout', 'phase2d'} and st['preset'] == 'demo'
    # ResNet18 at 224 (48) px, no augmentation is 2A Test 3's baseline AND 2D's no-aug arm: trained once
    assert st['phases']['phase2d']['reused_folds'] == 2 and st['phases']['phase2d']['trained_folds'] == 6
    assert st['unique_configs'] == 7
    assert (d/'out'/'phase2a_holdout'/'baseline').resolve() == (d/'out'/'phase2d'/'resnet18_noaug').resolve()
    t = pd.read_csv(d/'out'/'tables'/'phase2d.csv')
    assert list(t.Model) == ['SimpleCNN', 'ResNet18']
    for c in ('No Aug AUC', 'With Aug AUC', 'Δ', 'ci_low', 'ci_high', 'p', 'p_holm', 'Train/Val Gap (No Aug)', 'Train/Val Gap (With Aug)'):
        assert c in t and t[c].notna().all(), c
    assert (t.ci_low <= t['Δ']).all() and (t['Δ'] <= t.ci_high).all() and (t.p_holm >= t.p).all()
    assert "224 px -> 48 px" in r.stdout and 'folds trained now' in r.stdout
    # Phase 2 is explained, each distinct config once (the shared baseline included), into each experiment's folder
    assert r.stdout.count('Grad-CAM (') == 2 and st['phases']['phase2d']['explain']['failed'] == {}
    for e in ('baseline', 'holdout_insight'): assert (d/'out'/'phase2a_holdout'/e/'explain.json').exists(), e
    ex = json.loads((d/'out'/'phase2d'/'simplecnn_aug'/'explain.json').read_text())
    assert ex['gallery'] == 16 and {'gallery_squish.png', 'hard_examples.png', 'calibration.png', 'cam_energy.csv'} <= set(ex['files'])

def test_second_study_trains_nothing(study):
    d, _ = study
    before = {p: p.stat().st_mtime_ns for p in (d/'out'/'runs').glob('*/fold_*/metrics.json')}
    r = dfd('study', '--data', d/'data', '--out', d/'out', '--phases', '2a_holdout,2d', '--no-explain', *SMALL)
    st = json.loads((d/'out'/'study.json').read_text())
    assert sum(p['trained_folds'] for p in st['phases'].values()) == 0
    assert 'study finished' in r.stdout and ': 0 folds trained now' in r.stdout and 'Grad-CAM' not in r.stdout
    assert before == {p: p.stat().st_mtime_ns for p in (d/'out'/'runs').glob('*/fold_*/metrics.json')}

def test_holdout_source_never_trained_on(study):
    d, _ = study
    t = pd.read_csv(d/'out'/'tables'/'phase2a_holdout.csv')
    assert list(t['Held-out Source']) == ['none (baseline)', 'text2img', 'inpainting', 'insight']
    for s in ('text2img', 'inpainting', 'insight'):
        home = d/'out'/'phase2a_holdout'/f'holdout_{s}'
        for k in range(2):
            p = pd.read_parquet(home/f'fold_{k}'/'preds.parquet')
            assert s not in set(p[p.role.isin(['train', 'valid'])].source)     # the images it was fitted and early-stopped on
            assert s in set(p[p.role == 'holdout'].source) and s in set(p[p.role == 'test'].source)   # but it is evaluated on it
        row = t[t['Held-out Source'] == s].iloc[0]
        assert s not in row['Train Sources'] and row[['Δ (In-Source - Held-out)', 'ci_low', 'ci_high', 'p', 'boot_low', 'boot_high']].notna().all()

def test_test_set_is_the_same_everywhere(study):
    d, _ = study
    tests = {p.parent.parent.name + p.parent.name: frozenset(pd.read_parquet(p).query("role == 'test'").path)
             for p in (d/'out'/'runs').glob('*/fold_*/preds.parquet')}
    assert len(set(tests.values())) == 1                                 # every experiment, every fold: one test set
    sp = pd.read_parquet(next((d/'out'/'runs').glob('*/splits.parquet')))
    assert set(sp.path[sp.test]) == set(next(iter(tests.values())))

def test_augmentation_only_ever_sees_training_images(tmp_path, monkeypatch):
    ds = make_dff(tmp_path/'dff', n=60, seed=0, shortcuts=('aspect',), progress=False)
    seen = []
    real = cv.make_dl
    def spy(arr, rows, tfms, bs, shuffle=False, num_workers=0, device=None):
        names = {type(t).__name__ for t in tfms}
        seen.append((set(rows.path), bool(names - {'IntToFloatTensor', 'Normalize'})))   # anything else is an augmentation
        return real(arr, rows, tfms, bs, shuffle, num_workers, device)
    monkeypatch.setattr(cv, 'make_dl', spy)
    cfg = resolve(overrides=dict(study='aug', n_folds=2, epochs=1, size=24, batch_size=16, augment=True, frac=1.0))
    cv.run_experiment('aug', cfg, ds, tmp_path/'runs', progress=False)
    sp = pd.read_parquet(tmp_path/'runs'/'aug'/'aug'/'splits.parquet')
    train = set().union(*[set(sp.path[sp[f'role_{k}'] == 'train']) for k in range(2)])
    augmented = [paths for paths, aug in seen if aug]
    assert len(augmented) == 2 and all(paths <= train for paths in augmented)          # one augmented loader per fold: training rows only
    test = set(sp.path[sp.test])
    assert any(aug is False and paths == test for paths, aug in seen)                   # the test set is predicted without augmentation
    assert not any(aug and paths & test for paths, aug in seen)
