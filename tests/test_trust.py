"Trust on awkward data: chained groups, the face-crop fallback as a shortcut, a null dataset that looks null, quiet output."
import json
import pandas as pd
import pytest
from conftest import dfd
from deepfake_detect.data import check_leakage

@pytest.fixture(scope='module')
def chained(tmp_path_factory):
    d = tmp_path_factory.mktemp('chain')
    dfd('synth', d/'data', '--n', 60, '--pairing', 'chain')
    dfd('index', d/'data', '--out', d/'index.parquet')
    return d

def test_chained_groups_stop_split_with_our_message(chained):
    r = dfd('split', chained/'index.parquet', check=False)
    assert r.returncode == 2, r.stdout
    assert 'form 1 group(s)' in r.stderr and 'largest holds 240 images (100%' in r.stderr and '--cut-chains' in r.stderr
    assert 'n_splits' not in r.stderr and 'Traceback' not in r.stderr    # no library text

def test_audit_flags_the_chain_and_names_links(chained):
    r = dfd('audit', chained/'index.parquet', '--out', chained/'audit')
    s = json.loads((chained/'audit'/'audit.json').read_text())
    big = s['group_sizes']['large']
    assert len(big) == 1 and big[0]['images'] == 240 and big[0]['keys'] == 60
    assert big[0]['weak_links'] == []          # a ring of 60 identities: no single link splits it
    assert 'LARGE GROUP' in r.stdout and 'would be dropped' in r.stdout
    assert 'nan' not in r.stdout.split('probe:')[1].split('\n')[0] or 'too few groups' in r.stdout   # a nan always has its reason
    assert s['cut_chains']['dropped'] > 0 and (chained/'audit'/'cut_chains_dropped.csv').exists()

def test_cut_chains_splits_without_leakage(chained):
    out = chained/'cut.parquet'
    r = dfd('split', chained/'index.parquet', '--cut-chains', '--out', out)
    sp = pd.read_parquet(out)
    merges = pd.read_csv(chained/'index.merges.csv', keep_default_na=False)
    assert check_leakage(sp, merges) == 5                             # groups, identities and links
    for k in range(5):                                                # and again, by hand, on identities
        used = sp[sp[f'role_{k}'] != '']
        assert used.groupby('key')[f'role_{k}'].nunique().max() == 1
        assert set(used[f'role_{k}']) == {'train', 'valid', 'holdout', 'test'}
    dropped = pd.read_csv(out.with_suffix('.dropped.csv'))
    assert len(dropped) == int((sp.cut != '').sum()) > 0 and f'{len(dropped)} fakes dropped' in r.stdout
    assert set(dropped.source) <= {'inpainting', 'insight', 'text2img'}                  # fakes only
    assert set(sp.path[(sp.label == 0) & (sp.cut == '')]) == set(sp.path[sp.label == 0])  # every real kept

def _faces_audit(tmp, shortcuts):
    d = tmp/('fm' if shortcuts else 'plain')
    dfd('synth', d, '--n', 40, *(['--shortcuts', shortcuts] if shortcuts else []))
    r = dfd('audit', d, '--faces', '--out', tmp/f'audit_{d.name}')
    return r, json.loads((tmp/f'audit_{d.name}'/'audit.json').read_text())['face_fallback']

def test_facemiss_warns_and_plain_does_not(tmp_path):
    r, ff = _faces_audit(tmp_path, 'facemiss')
    assert ff['warn'] and ff['p_source'] < 0.05 and ff['shares']['inpainting'] > 0.3
    assert 'SHORTCUT RISK' in r.stdout and 'inpainting' in r.stdout
    r, ff = _faces_audit(tmp_path, '')
    assert not ff['warn'] and ff['p_source'] >= 0.05, ff
    assert 'SHORTCUT RISK' not in r.stdout

def test_face_view_experiment_reports_fallback_and_face_auc(tmp_path):
    d = tmp_path/'fm'
    dfd('synth', d, '--n', 40, '--shortcuts', 'facemiss')
    r = dfd('run', 'phase1/simplecnn', '--data', d, '--out', tmp_path/'runs', '--set', 'view=face', 'size=32', 'epochs=1', 'n_folds=2')
    exp = tmp_path/'runs'/'phase1'/'phase1-simplecnn'
    ff = json.loads((exp/'face_fallback.json').read_text())
    assert ff['warn'] and 'SHORTCUT RISK' in r.stdout
    m = json.loads((exp/'fold_0'/'metrics.json').read_text())
    assert 'auc_face' in m['test'] and m['test']['n_face'] < m['test']['n']     # the AUC where a face was found, beside the AUC
    assert 'test_auc_face' in pd.read_csv(exp/'summary.csv', index_col=0).index
    r = dfd('run', 'phase1/simplecnn', '--data', d, '--out', tmp_path/'drop', '--set', 'view=face', 'size=32', 'epochs=1', 'n_folds=2', 'face_fallback=drop')
    preds = pd.read_parquet(tmp_path/'drop'/'phase1'/'phase1-simplecnn'/'fold_0'/'preds.parquet')
    assert preds.face.all()                                               # drop: no image without a face is used

def test_null_dataset_probe_interval_holds_half(tmp_path):
    dfd('synth', tmp_path/'null', '--n', 100)
    r = dfd('audit', tmp_path/'null', '--out', tmp_path/'audit')
    s = json.loads((tmp_path/'audit'/'audit.json').read_text())
    lo, hi = s['probe_auc_ci']
    assert lo < 0.5 < hi, s['probe_auc_ci']
    assert 'no metadata shortcut found' in r.stdout
