"`dfd anomaly check/train/score` and `dfd report` end to end through the real CLI: outputs, bad input, resume."
import json, os, shutil, signal, subprocess, time
from pathlib import Path
import pandas as pd, pytest
import nbformat
from conftest import jupyter_checkout, run_jupyter, md_outputs, dfd, DFD, ROOT

SETS = ['--set', 'arch=simplecnn', 'size=32', 'epochs=6', 'batch_size=16']
FIGURES = ['training_history.png', 'logit_distributions.png', 'roc_curves.png', 'sample_predictions_anomaly_focus.png', 'sample_predictions_mixed.png']

@pytest.fixture(scope='module')
def cartoon(tmp_path_factory):
    d = tmp_path_factory.mktemp('anom')/'cartoon'
    dfd('synth', d, '--kind', 'cartoon', '--n', 10)
    return d

@pytest.fixture(scope='module')
def trained(cartoon, tmp_path_factory):
    out = tmp_path_factory.mktemp('anom_runs')
    r = dfd('anomaly', 'train', cartoon, '--out', out, '--workers', 0, *SETS)
    return out, r

def test_check_counts(cartoon):
    r = dfd('anomaly', 'check', cartoon, '--workers', 0)
    for s in ('classes: 6', 'training images: 60', 'normal test images: 60', 'anomaly test images: 19', 'no problems found'):
        assert s in r.stdout, r.stdout

def test_bad_files_are_reported_and_excluded(cartoon, tmp_path):
    d = tmp_path/'bad'
    shutil.copytree(cartoon, d)
    cls = d/'simpsons_dataset'/'yellow_round'
    (cls/'empty.jpg').write_bytes(b'')
    (cls/'notes.JPG').write_text('not an image')
    (d/'test'/'anomaly'/'cut.jpg').write_bytes((cls/'pic_0000.jpg').read_bytes()[:300])   # truncated
    r = dfd('anomaly', 'check', d, '--workers', 0)
    for name in ('empty.jpg', 'notes.JPG', 'cut.jpg'): assert name in r.stdout, r.stdout
    assert 'unreadable files: 3' in r.stdout
    r = dfd('anomaly', 'train', d, '--out', tmp_path/'runs', '--workers', 0, '--set', 'arch=simplecnn', 'size=24', 'epochs=1', 'batch_size=16')
    assert r.stdout.count('problem:') == 3, r.stdout
    sp = pd.read_csv(tmp_path/'runs'/'anomaly'/'split.csv')
    bad = sp[sp.path.str.contains('empty.jpg|notes.JPG|cut.jpg')]
    assert len(bad) == 3 and set(bad.role) == {'excluded'} and bad.error.str.len().gt(0).all()

def test_train_outputs_and_no_second_training(trained, cartoon):
    out, r = trained
    res = out/'anomaly'
    for f in ('config.json', 'classes.json', 'split.csv', 'model.pth', 'history.csv', 'training_history.png', 'train.json'):
        assert (res/f).exists(), f
    assert len(pd.read_csv(res/'history.csv')) == 6
    sp = pd.read_csv(res/'split.csv')
    tr = sp[sp.role.isin(['train', 'valid'])]
    assert abs((tr.role == 'valid').mean() - 0.2) < 0.02                     # the guide's 80/20
    assert (sp[sp.role == 'valid'].cls.value_counts() == 2).all()             # stratified: 2 of each class's 10
    before = (res/'model.pth').stat().st_mtime_ns
    r2 = dfd('anomaly', 'train', cartoon, '--out', out, '--workers', 0, *SETS)
    assert 'already finished' in r2.stdout and (res/'model.pth').stat().st_mtime_ns == before

def test_score_needs_a_trained_model(cartoon, tmp_path):
    r = dfd('anomaly', 'score', cartoon, '--out', tmp_path, check=False)
    assert r.returncode == 2 and 'train first' in r.stderr

def test_score_writes_the_guides_outputs(trained, cartoon):
    out, _ = trained
    r = dfd('anomaly', 'score', cartoon, '--out', out, '--boot', 200, '--workers', 0)
    res = out/'anomaly'
    for f in FIGURES + ['scores.parquet', 'stats.csv', 'metrics.json']: assert (res/f).exists(), f
    m = json.loads((res/'metrics.json').read_text())
    assert (m['normal'], m['anomaly']) == (60, 19)
    assert set(m['scores']) == {'max_softmax', 'max_logit', 'entropy', 'energy', 'gen', 'mahalanobis', 'rmd', 'knn', 'vim', 'react', 'ash'}
    for k, v in m['scores'].items():
        assert v['auroc_ci'][0] <= v['auroc'] <= v['auroc_ci'][1], k
        assert 0 <= v['fpr95tpr'] <= 1 and v['threshold']['anomalies'] == 19
    st = pd.read_csv(res/'stats.csv', index_col=0)
    assert list(st.columns) == ['normal mean', 'normal std', 'anomaly mean', 'anomaly std'] and len(st) == 11
    assert 'AUROC' in r.stdout

def test_report_renders_from_results(trained, cartoon, tmp_path):
    out, _ = trained
    if not (out/'anomaly'/'metrics.json').exists(): dfd('anomaly', 'score', cartoon, '--out', out, '--boot', 200, '--workers', 0)
    r = dfd('report', 'anomaly', '--out', tmp_path, cwd=out)                  # as a user types it: the pages name `anomaly`, no folder of this machine
    html = (tmp_path/'anomaly.html').read_text()
    assert 'Anomaly detection report' in html and 'Best validation accuracy' in html
    assert html.count('data:image/png;base64') >= 5                            # every figure embedded
    assert 'Traceback' not in html and 'src="http' not in html                  # ran cleanly; opens offline
    assert 'WARNING' not in r.stdout + r.stderr and (tmp_path/'anomaly.kernel.log').exists()   # kernel chatter kept aside
    from deepfake_detect.report import check_site
    assert check_site(tmp_path/'site', [out, tmp_path]) == []                     # the Quarto project, complete, naming no folder of this machine
    nb = run_jupyter(jupyter_checkout(tmp_path/'jup', out)/'nbs'/'report'/'anomaly.ipynb')   # opened in Jupyter: runs/demo/anomaly, no DFD_ variable
    got = [m.replace(str(tmp_path/'jup'/'checkout'/'runs'/'demo'/'anomaly'), 'anomaly') for m in md_outputs(nb)]
    assert got == md_outputs(nbformat.read(tmp_path/'site'/'anomaly.ipynb', as_version=4)) and 'Best validation accuracy' in ''.join(got)

def test_killed_training_resumes_to_the_same_history(trained, cartoon, tmp_path):
    out, _ = trained
    args = [str(DFD), 'anomaly', 'train', str(cartoon), '--out', str(tmp_path), '--workers', '0', *SETS]
    env = {**os.environ, 'MPLBACKEND': 'Agg'}
    p = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    last, t = tmp_path/'anomaly'/'.work'/'last.pth', time.time()
    while not last.exists():
        assert p.poll() is None and time.time() - t < 300, 'training ended or stalled before its first epoch'
        time.sleep(0.01)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    assert not (tmp_path/'anomaly'/'train.json').exists(), 'training finished before it could be killed'
    dfd('anomaly', 'train', cartoon, '--out', tmp_path, '--workers', 0, *SETS)
    a, b = pd.read_csv(tmp_path/'anomaly'/'history.csv'), pd.read_csv(out/'anomaly'/'history.csv')
    pd.testing.assert_frame_equal(a, b, rtol=1e-6)

def test_unseen_generators_cli(synth_aspect, tmp_path):
    r = dfd('anomaly', 'unseen', synth_aspect, '--out', tmp_path, '--boot', 100, '--set', 'arch=simplecnn', 'size=24', 'epochs=1', 'batch_size=16')
    s = pd.read_csv(tmp_path/'anomaly'/'unseen'/'summary.csv')
    assert sorted(s.held_out.unique()) == ['inpainting', 'insight', 'text2img'] and len(s) == 3 * 11   # every score for each held-out source
    assert s.auroc.between(0, 1).all() and (s.ci_low <= s.auroc).all() and (s.auroc <= s.ci_high).all()
    assert (s.n_ood > 0).all() and 'AUROC of the never-seen source' in r.stdout
    dfd('report', tmp_path, '--out', tmp_path/'html')                         # a report with the unseen section only
    html = (tmp_path/'html'/'anomaly.html').read_text()
    assert 'Unseen generators' in html and 'No classifier was trained in this folder' in html and 'Traceback' not in html

def test_seeds_select_and_the_hard_set(tmp_path):
    "Seeds, validation-only selection and the budget preset, end to end on the hard cartoon set (tiny)."
    d = tmp_path/'hard'
    dfd('synth', d, '--kind', 'cartoon', '--hard', '--n', 8)
    assert len(list((d/'simpsons_dataset').iterdir())) == 8 and len(list((d/'test'/'anomaly').iterdir())) == 40
    small = ['--set', 'arch=simplecnn', 'size=24', 'epochs=1', 'batch_size=16']
    r = dfd('anomaly', 'train', d, '--out', tmp_path/'runs', '--seeds', 2, '--workers', 0, *small)
    assert '2 seeds' in r.stdout and {p.name for p in (tmp_path/'runs'/'anomaly').glob('seed_*')} == {'seed_42', 'seed_43'}
    r = dfd('anomaly', 'score', d, '--out', tmp_path/'runs', '--boot', 50, '--workers', 0)
    assert 'not chosen (the test set must not choose it)' in r.stdout                       # no selection yet: said, not guessed
    s = pd.read_csv(tmp_path/'runs'/'anomaly'/'seeds.csv', index_col=0)
    assert len(s) == 11 and (s.seeds == 2).all() and (s['min'] <= s['mean']).all() and (s['mean'] <= s['max']).all()
    r = dfd('anomaly', 'select', d, '--out', tmp_path/'runs', '--workers', 0, *small)
    sel = json.loads((tmp_path/'runs'/'anomaly'/'select'/'selection.json').read_text())
    assert len(sel['held_out']) == 2 and sel['held_out_images'] == 2 * 8 and f"detector to use: {sel['best']}" in r.stdout
    r = dfd('anomaly', 'score', d, '--out', tmp_path/'runs', '--boot', 50, '--workers', 0)
    m = json.loads((tmp_path/'runs'/'anomaly'/'seed_42'/'metrics.json').read_text())
    assert m['selected']['score'] == sel['best'] and f"detector to use: {sel['best']}" in r.stdout
    r = dfd('anomaly', 'train', d, '--out', tmp_path/'b', '--preset', 'budget', '--workers', 0, *small, 'budget_s=4')
    tj = json.loads((tmp_path/'b'/'anomaly'/'train.json').read_text())
    assert 'a 4 s wall-clock budget' in r.stdout and tj['epochs'] >= 1 and tj['seconds'] < 4 + 10   # the epoch it stopped in is finished
    dfd('report', tmp_path/'runs'/'anomaly', '--out', tmp_path/'html')
    html = (tmp_path/'html'/'anomaly.html').read_text()
    assert 'AUROC mean' in html and 'Traceback' not in html
