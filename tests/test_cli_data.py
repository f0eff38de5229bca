"End-to-end checks of the data commands through the real `dfd` executable."
import argparse, json
import pandas as pd
from conftest import dfd
from deepfake_detect.cli import COMMANDS, GROUPS

def test_help_on_every_command():
    "`dfd --help`, each group's and each command's: from the functions' signatures and docstrings."
    assert {'anomaly score', 'report', 'demo'} <= set(COMMANDS) and len(COMMANDS) >= 15
    top = dfd('--help').stdout
    for name, fn in COMMANDS.items():
        assert f'  {name} ' in top and fn.__doc__.splitlines()[0] in top, name                 # the table of commands
        r = dfd(*name.split(), '--help')
        assert r.stdout.startswith(f'usage: dfd {name} ') and ' '.join(fn.__doc__.split()) in ' '.join(r.stdout.split()), name   # its docstring, as argparse wraps it
    for g in GROUPS: assert dfd(g, '--help').stdout.startswith(f'usage: dfd {g} SUBCOMMAND'), g
    bad = dfd('anomaly', check=False)
    assert bad.returncode == 2 and 'anomaly train' in bad.stderr                              # a group alone: its commands, exit 2
    bad = dfd('studdy', check=False)
    assert bad.returncode == 2 and "unknown command 'studdy'" in bad.stderr

def test_no_namespace_in_the_package():
    "Commands are called as functions everywhere (the demo included): no hand-built argparse.Namespace to drift."
    from pathlib import Path
    import deepfake_detect
    for f in Path(deepfake_detect.__file__).parent.glob('*.py'): assert 'Namespace(' not in f.read_text(), f

def test_config_typo_names_key_and_suggests():
    r = dfd('config', 'show', '--set', 'early_stoping_patience=3', check=False)
    assert r.returncode == 2
    assert "'early_stoping_patience'" in r.stderr and "did you mean 'early_stopping_patience'" in r.stderr

def test_config_experiment_typo(tmp_path):
    r = dfd('config', 'show', 'phase_one', check=False)
    assert r.returncode == 2 and "unknown experiment 'phase_one'" in r.stderr

def test_index_audit_split(synth_aspect, tmp_path):
    idx = tmp_path/'index.parquet'
    r = dfd('index', synth_aspect, '--out', idx)
    assert 'indexed 160 files' in r.stdout and '0 unreadable' in r.stdout
    df = pd.read_parquet(idx)
    assert len(df) == 160 and df.ok.all()
    # the pairs file and the near-duplicate audit merge each identity with its partner
    assert df.groupby('group').key.nunique().eq(2).all()
    merges = pd.read_csv(tmp_path/'index.merges.csv')
    assert set(merges.reason) == {'pairs file', 'near-duplicate'}

    r = dfd('audit', idx, '--out', tmp_path/'audit')
    s = json.loads((tmp_path/'audit'/'audit.json').read_text())
    assert s['probe_auc'] > 0.95, s          # the planted aspect shortcut is found
    assert (tmp_path/'audit'/'audit.html').stat().st_size > 10_000
    assert 'shortcut probe: AUC' in r.stdout and '95% CI' in r.stdout

    a, b = tmp_path/'a.parquet', tmp_path/'b.parquet'
    dfd('split', idx, '--frac', '0.5', '--folds', '3', '--out', a)
    dfd('split', idx, '--frac', '0.5', '--folds', '3', '--out', b)
    pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b))   # same inputs and seed: same split
    sp = pd.read_parquet(a)
    for k in range(3):
        roles = sp[sp[f'role_{k}'] != ''].groupby('group')[f'role_{k}'].nunique()
        assert roles.max() == 1                                             # no group in two roles

def test_bad_corpus_is_indexed_with_reasons(tmp_path):
    from deepfake_detect.data import make_bad_corpus
    expect = make_bad_corpus(tmp_path/'bad')
    r = dfd('index', tmp_path/'bad', '--out', tmp_path/'bad.parquet')
    df = pd.read_parquet(tmp_path/"bad.parquet")
    df.index = df.path.str.split('/').str[-1]
    assert sorted(df.index) == sorted(expect)
    for name, want in expect.items():
        if df.loc[name, 'ok']: assert df.loc[name, 'mode'] == want, name
        else:
            assert want in df.loc[name, 'error'], (name, df.loc[name, 'error'])
            assert f'unreadable: fake/{name}' in r.stdout    # reported visibly, not dropped

def test_unknown_source_folder_is_an_error(tmp_path):
    (tmp_path/'ds'/'mystery').mkdir(parents=True)
    r = dfd('index', tmp_path/'ds', check=False)
    assert r.returncode == 2 and "unknown source folder(s) ['mystery']" in r.stderr and '--labels mystery=1' in r.stderr
