"`dfd predict` from the command line: a finished experiment as a detector reproduces its stored test predictions; broken files give error rows and exit status 1; a bad model path exits 2."
import json, shutil
import numpy as np, pandas as pd
import pytest
from conftest import dfd
from deepfake_detect.cv import ensemble, pooled

SMALL = ['--preset', 'demo', '--set', 'n_folds=2', 'epochs=1', 'batch_size=16']

@pytest.fixture(scope='module')
def model(tmp_path_factory, synth_aspect):
    d = tmp_path_factory.mktemp('predict')
    dfd('run', 'phase1/simplecnn', '--data', synth_aspect, '--out', d/'runs', *SMALL)
    exp, = (d/'runs').glob('*/phase1-simplecnn')
    return d, exp, ensemble(exp)

def test_reproduces_stored_test_predictions(model, synth_aspect):
    d, exp, t = model
    r = dfd('predict', exp, *[synth_aspect/p for p in t.path], '--out', d/'test.csv')
    p = pd.read_csv(d/'test.csv')
    assert list(p.path) == [str(synth_aspect/f) for f in t.path]
    np.testing.assert_allclose(p.prob, t.prob, atol=1e-6)
    np.testing.assert_allclose(p.prob_std, t.prob_std, atol=1e-6)
    from deepfake_detect.predict import calibrate, test_decisions
    c = json.loads((d/'test.json').read_text())['calibration']
    assert c['fpr_target'] == 0.05 and c['fpr_bound'] <= 0.05 and 'reals' not in c                # the rule, calibrated on validation predictions
    dec = test_decisions(calibrate(pooled(exp, 'holdout')), pooled(exp, 'test'))                # the card's test check: the same decision
    assert (p.decision == np.where(dec.fake, 'fake', 'real')).all()
    np.testing.assert_allclose(p.p_real, dec.p_real, atol=1e-12)
    assert 'decision: fake when p_real ≤ 0.05' in r.stdout and 'False-positive rate ≤' in r.stdout and f'{len(t)} images' in r.stdout

def test_broken_files_are_rows_not_crashes(model, synth_aspect):
    d, exp, t = model
    imgs = d/'mixed'
    imgs.mkdir()
    for f in t.path[:5]: shutil.copy(synth_aspect/f, imgs/f.replace('/', '_'))
    (imgs/'empty.jpg').write_bytes(b'')
    data = (synth_aspect/t.path.iloc[0]).read_bytes()
    (imgs/'cut.jpg').write_bytes(data[:len(data) // 3])
    r = dfd('predict', exp, imgs, '--out', d/'mixed.csv', check=False)
    assert r.returncode == 1, r.stderr                                   # some files failed: said by the status
    p = pd.read_csv(d/'mixed.csv', keep_default_na=False, na_values=[''])
    assert len(p) == 7
    bad = p[p.error.notna()].set_index(p.path[p.error.notna()].map(lambda s: s.rsplit('/', 1)[1]))
    assert sorted(bad.index) == ['cut.jpg', 'empty.jpg'] and bad.loc['empty.jpg', 'error'] == 'zero-byte file' and bad.prob.isna().all()
    good = p[p.error.isna()].assign(name=lambda x: x.path.map(lambda s: s.rsplit('/', 1)[1]))
    ref = t.head(5).assign(name=t.path.head(5).str.replace('/', '_')).set_index('name')
    np.testing.assert_allclose(good.prob, ref.loc[good.name, 'prob'], atol=1e-6)
    assert 'unreadable: ' in r.stdout and '2 unreadable' in r.stdout

def test_bad_model_path_is_named(tmp_path):
    r = dfd('predict', tmp_path, tmp_path, check=False)
    assert r.returncode == 2 and f'{tmp_path}: not a model' in r.stderr
