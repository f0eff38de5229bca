"Results that belong to their data (issue 25): another dataset's results are refused, damaged folds are found and retrained, two processes share a results folder safely, bad values are refused by name, user errors are one line."
import json, os, shutil, subprocess, sys
from pathlib import Path
import pandas as pd
import pytest
from conftest import dfd, DFD, ROOT

SMALL = ['--preset', 'demo', '--set', 'n_folds=2', 'epochs=1', 'batch_size=16', 'frac=1.0', '--no-explain']

def one_line_error(r, *words):
    "A user error: non-zero status, no traceback, and `words` in what it says."
    assert r.returncode != 0, r.stdout
    assert 'Traceback' not in r.stderr, r.stderr
    for w in words: assert str(w) in r.stderr, (w, r.stderr)

@pytest.fixture(scope='module')
def two_sets(tmp_path_factory):
    d = tmp_path_factory.mktemp('sets')
    for name, seed in (('x', 0), ('y', 1)): dfd('synth', d/name/'dff', '--n', 24, '--seed', seed)
    return d/'x'/'dff', d/'y'/'dff'

@pytest.fixture(scope='module')
def studied(two_sets, tmp_path_factory):
    x, _ = two_sets
    out = tmp_path_factory.mktemp('study')/'O'
    dfd('study', '--data', x, '--out', out, '--phases', '1', *SMALL)
    return out

def test_other_dataset_is_refused(two_sets, studied):
    x, y = two_sets
    r = dfd('study', '--data', y, '--out', studied, '--phases', '1', *SMALL, check=False)   # same folder name, same file names, other images
    one_line_error(r, 'Results are never reused across data', y.resolve(), x.resolve(), 'another --out')
    assert (studied/'data'/'dff'/'root.txt').read_text() == str(x.resolve())              # the index caches do not collide on the name
    assert any(p.name.startswith('dff-') for p in (studied/'data').iterdir())

def test_edited_pairs_file_is_a_new_dataset(two_sets, tmp_path):
    x, _ = two_sets
    d = tmp_path/'dff'
    shutil.copytree(x, d)
    dfd('run', 'phase1/simplecnn', '--data', d, '--out', tmp_path/'O', *SMALL[:-1])
    p = pd.read_csv(d/'pairs.csv')
    p.iloc[:-4].to_csv(d/'pairs.csv', index=False)                                         # fewer pairs: other groups, another split
    r = dfd('run', 'phase1/simplecnn', '--data', d, '--out', tmp_path/'O', *SMALL[:-1], check=False)
    one_line_error(r, 'the same folder changed', 'pairs.csv')

def test_damaged_folds_are_named_and_retrained(studied, two_sets):
    x, _ = two_sets
    exp = studied/'phase1'/'simplecnn'
    (exp/'fold_0'/'model.pth').write_bytes((exp/'fold_0'/'model.pth').read_bytes()[:200])          # truncated
    pq = exp/'fold_1'/'preds.parquet'
    pq.write_bytes(bytes(b ^ 0xFF for b in pq.read_bytes()))                                          # garbled, same size
    r = dfd('predict', exp, x/'wiki', check=False)
    one_line_error(r, 'cannot be used', 'model.pth', 'retrains damaged folds')                      # refused by path, not a torch traceback
    (studied/'phase1'/'resnet18'/'fold_0'/'metrics.json').write_text('{}')                          # emptied
    r = dfd('study', '--data', x, '--out', studied, '--phases', '1', *SMALL)
    for f in (exp/'fold_0'/'model.pth', pq, studied/'phase1'/'resnet18'/'fold_0'/'metrics.json'): assert str(f.resolve()) in r.stdout, (f, r.stdout)   # each named by path
    assert r.stdout.count(': training it again') == 3 and '3 folds trained now' in r.stdout
    from deepfake_detect.cv import fold_done
    assert all(fold_done(studied/'phase1'/e/f'fold_{k}') for e in ('simplecnn', 'resnet18') for k in (0, 1))
    dfd('predict', exp, x/'wiki', '--out', studied/'p.csv')

def _two(*cmds):
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'MPLBACKEND': 'Agg'}
    ps = [subprocess.Popen([str(DFD), *map(str, c)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for c in cmds]
    return [(p.wait(600), *p.communicate()) for p in ps]

def test_two_processes_on_one_folder(two_sets, tmp_path):
    x, _ = two_sets
    out = tmp_path/'O'
    res = _two(*[['study', '--data', x, '--out', out, '--phases', '1', *SMALL]] * 2)
    assert [rc for rc, _, _ in res] == [0, 0], res
    logs = [f.read_text() for f in out.glob('runs/*/fold_*/fold.log')]
    assert len(logs) == 4 and all(l.count(' end ') == 1 for l in logs)                               # each fold trained once, never shared
    out2 = tmp_path/'O2'
    res = _two(['study', '--data', x, '--out', out2, '--phases', '1', *SMALL], ['study', '--data', x, '--out', out2, '--phases', '2a_norm', *SMALL])
    assert [rc for rc, _, _ in res] == [0, 0], res
    assert {'phase1', 'phase2a_norm'} <= set(json.loads((out2/'study.json').read_text())['phases'])  # neither record lost

@pytest.mark.parametrize('args, words', [
    (['--set', 'val_ratio=NaN'], ["'val_ratio'", 'finite']), (['--set', 'optimizer.lr=NaN'], ["'optimizer.lr'", 'finite']),
    (['--set', 'frac=Infinity'], ["'frac'", 'finite']), (['--set', 'arch=nonexistent'], ["'arch'", 'unknown architecture']),
    (['--set', 'batch_size=1'], ["'batch_size'", 'batch norm'])])
def test_bad_values_refused_before_any_work(two_sets, tmp_path, args, words):
    x, _ = two_sets
    r = dfd('study', '--data', x, '--out', tmp_path/'O', '--phases', '1', *args, check=False)
    one_line_error(r, *words)
    assert not (tmp_path/'O'/'data').exists() and not (tmp_path/'O'/'cache').exists()            # refused before the index and the cache

def test_bad_options_refused_by_name(two_sets, studied, tmp_path):
    x, _ = two_sets
    for args, words in ((['predict', studied/'phase1'/'simplecnn', x, '--bs', '-3'], ['--bs', '≥ 1']), (['predict', studied/'phase1'/'simplecnn', x, '--bs', '0'], ['--bs']),
                        (['audit', x, '--folds', '0'], ['--folds', '≥ 2']), (['audit', x, '--folds', '-1'], ['--folds']),
                        (['synth', tmp_path/'s', '--n', '0'], ['--n', '≥ 1']), (['predict', studied/'phase1'/'simplecnn', x, '--fpr', 'NaN'], ['--fpr'])):
        one_line_error(dfd(*args, check=False), *words)
    assert not (tmp_path/'s').exists()

def test_user_errors_are_one_line(two_sets, studied, tmp_path):
    x, _ = two_sets
    (tmp_path/'blocker').write_text('a file where the report folder should go')
    one_line_error(dfd('report', studied, '--out', tmp_path/'blocker'/'report', check=False), 'cannot write', 'blocker')   # an unwritable place
    import pickle, torch
    class Boom:
        def __reduce__(self): return (print, ('this would run',))
    torch.save({'w': Boom()}, tmp_path/'evil.pth')
    r = dfd('run', 'phase1/resnet18', '--data', x, '--out', tmp_path/'O', *SMALL[:-1], '--set', f'pretrained={tmp_path/"evil.pth"}', check=False)   # SimpleCNN ignores weights
    one_line_error(r, tmp_path/'evil.pth', 'not a checkpoint this tool wrote', 'could run code')
    assert 'weights_only=False' not in r.stderr                                                     # never the advice that would run it
    (tmp_path/'junk.pth').write_bytes(b'junk')
    r = dfd('run', 'phase1/resnet18', '--data', x, '--out', tmp_path/'O2', *SMALL[:-1], '--set', f'pretrained={tmp_path/"junk.pth"}', check=False)
    one_line_error(r, tmp_path/'junk.pth', 'not a checkpoint this tool wrote')

def test_awkward_files_are_rows_with_reasons(two_sets, tmp_path):
    x, _ = two_sets
    d = tmp_path/'dff'
    shutil.copytree(x, d)
    shutil.rmtree(d/'text2img'); (d/'text2img').mkdir()                                              # an empty source folder
    (d/'wiki'/'gone.jpg').symlink_to(tmp_path/'nowhere.jpg')                                         # a dangling symlink
    outside = tmp_path/'outside.jpg'
    shutil.copy(next((x/'wiki').rglob('*.jpg')), outside)
    (d/'wiki'/'away.jpg').symlink_to(outside)                                                        # a symlink that leaves the dataset
    r = dfd('index', d, '--out', tmp_path/'i.parquet')
    assert 'empty source folder' in r.stderr + r.stdout and 'text2img' in r.stderr + r.stdout
    i = pd.read_parquet(tmp_path/'i.parquet').set_index('path')
    assert not i.loc['wiki/gone.jpg', 'ok'] and 'dangling symlink' in i.loc['wiki/gone.jpg', 'error']
    assert not i.loc['wiki/away.jpg', 'ok'] and 'leaves the dataset folder' in i.loc['wiki/away.jpg', 'error']

def test_memory_stays_flat_across_folds(two_sets, tmp_path):
    "Five ResNet18 folds in one process: the memory high-water mark grows little after the first folds (without releasing each fold's Learner it grew by about 200 MB from fold 2 to fold 5 here; with it, about 55 MB)."
    x, _ = two_sets
    dfd('run', 'phase1/resnet18', '--data', x, '--out', tmp_path/'O', '--preset', 'demo', '--set', 'n_folds=5', 'epochs=1', 'batch_size=16', 'frac=1.0')
    import re
    rss = [int(re.search(r'max_rss_mb=(\d+)', f.read_text()).group(1)) for f in sorted((tmp_path/'O').glob('*/*/fold_*/fold.log'))]
    assert len(rss) == 5 and rss[4] - rss[1] < 130, rss
