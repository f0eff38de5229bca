"`dfd run`: results tree, no work on a second identical run, and a run killed mid-way resumes to the same metrics."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest
from conftest import dfd, DFD, ROOT

SETS = ['--set', 'frac=1.0', '--set', 'size=32', '--set', 'epochs=5', '--set', 'early_stopping_patience=5', '--set', 'n_folds=3', '--set', 'batch_size=16']

def fold_metrics(exp):
    out = {}
    for f in sorted(Path(exp).glob('fold_*/metrics.json')):
        m = json.loads(f.read_text())
        out[f.parent.name] = {k: m[k] for k in ('train_auc', 'val_auc', 'test_auc', 'gap', 'epochs_run')} | {'test_loss': m['test']['loss']}
    return out

@pytest.fixture(scope='module')
def uninterrupted(synth_aspect, tmp_path_factory):
    out = tmp_path_factory.mktemp('runA')
    r = dfd('run', 'phase1/simplecnn', '--data', synth_aspect, '--out', out, '--preset', 'demo', *SETS)
    return out, r

def test_results_tree_and_summary(uninterrupted):
    out, r = uninterrupted
    exp = out/'phase1'/'phase1-simplecnn'
    for k in range(3):
        assert sorted(p.name for p in (exp/f'fold_{k}').iterdir()) == ['.lock', 'config.json', 'fold.log', 'history.csv', 'metrics.json', 'model.pth', 'preds.parquet']
    s = json.loads((exp/'summary.json').read_text())
    assert s['val_auc']['n'] == 3 and 0 <= s['val_auc']['mean'] <= 1
    assert 'mean ± std over folds' in r.stdout
    # quiet: no library warning, no fastai callback chatter; fold details go to the log, not the terminal
    assert 'Warning' not in r.stdout + r.stderr and 'Better model found' not in r.stdout and 'early stopping' not in r.stdout

def test_second_run_does_no_training(uninterrupted, synth_aspect):
    out, _ = uninterrupted
    exp = out/'phase1'/'phase1-simplecnn'
    before = {p: p.stat().st_mtime_ns for p in exp.glob('fold_*/*')}
    r = dfd('run', 'phase1/simplecnn', '--data', synth_aspect, '--out', out, '--preset', 'demo', *SETS)
    assert 'already finished' in r.stdout
    assert before == {p: p.stat().st_mtime_ns for p in exp.glob('fold_*/*')}

def test_killed_run_resumes_to_same_metrics(uninterrupted, synth_aspect, tmp_path):
    out, _ = uninterrupted
    args = [str(DFD), 'run', 'phase1/simplecnn', '--data', str(synth_aspect), '--out', str(tmp_path), '--preset', 'demo', *SETS]
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'MPLBACKEND': 'Agg'}
    p = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    exp = tmp_path/'phase1'/'phase1-simplecnn'
    t = time.time()
    while not (exp/'fold_0'/'metrics.json').exists():
        assert p.poll() is None and time.time() - t < 300, 'run ended or stalled before finishing fold 0'
        time.sleep(0.02)
    os.killpg(p.pid, signal.SIGKILL)     # as hard as it gets: no cleanup handlers run
    p.wait()
    assert not (exp/'fold_2'/'metrics.json').exists(), 'the run finished before it could be killed'
    dfd('run', 'phase1/simplecnn', '--data', synth_aspect, '--out', tmp_path, '--preset', 'demo', *SETS)
    assert fold_metrics(exp) == fold_metrics(out/'phase1'/'phase1-simplecnn')
