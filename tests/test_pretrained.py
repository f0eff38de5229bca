"Pretrained backbones through timm's Hugging Face hub integration, offline: a cache laid out in a temporary HF_HOME as huggingface_hub reads it."
import hashlib, json, os, subprocess, sys, textwrap
from pathlib import Path
import pandas as pd
import pytest
from conftest import dfd, ROOT

CACHE = textwrap.dedent('''
    import os, sys, torch, timm
    from pathlib import Path
    from safetensors.torch import save_file
    home = Path(os.environ['HF_HOME'])
    for spec in sys.argv[1:]:   # a freshly initialised model's weights, saved as the cached file of its default hub id (or of ARCH=REPO)
        arch, _, repo = spec.partition('=')
        m = timm.create_model(arch, pretrained=False)
        repo = repo or m.pretrained_cfg['hf_hub_id']
        snap = home/'hub'/f"models--{repo.replace('/', '--')}"/'snapshots'/('a' * 40)
        snap.mkdir(parents=True, exist_ok=True)
        save_file({k: v.contiguous() for k, v in m.state_dict().items()}, snap/'model.safetensors')
        (snap.parent.parent/'refs').mkdir(exist_ok=True); (snap.parent.parent/'refs'/'main').write_text('a' * 40)
''')

CHECK = textwrap.dedent('''
    import sys, torch
    from pathlib import Path
    from safetensors.torch import load_file
    from deepfake_detect.models import create_model, hub_id
    for spec in sys.argv[1:]:   # ARCH: its ImageNet weights; ARCH=REPO: a mapping entry naming a hub id; ARCH@FILE: a local file
        arch, _, repo = spec.partition('=')
        arch, _, path = arch.partition('@')
        m = create_model(arch, 2, {arch: repo} if repo else path or 'imagenet')
        f = Path(path) if path else next(Path(__import__('os').environ['HF_HOME']).glob(f"hub/models--{(repo or hub_id(arch)).replace('/', '--')}/snapshots/*/model.safetensors"))
        ref, own = load_file(f), m.state_dict()
        same = [k for k in own if k in ref and ref[k].shape == own[k].shape and torch.equal(ref[k], own[k])]
        head = [k for k in own if k not in same]
        assert len(head) <= 2 and len(same) == len(own) - len(head), (arch, head)   # every tensor loaded but the new head
        print(spec.split('@')[0], len(same), 'of', len(own), 'tensors from', 'the file;' if path else 'the cache;', 'new:', head)
''')

def dfd_env(env, *args, check=True):
    "The real `dfd` command under environment `env`."
    r = subprocess.run([str(Path(sys.executable).parent/'dfd'), *map(str, args)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    assert not check or r.returncode == 0, r.stderr
    return r

def run(code, *args, env):
    r = subprocess.run([sys.executable, '-c', code, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr
    return r.stdout

@pytest.fixture(scope='module')
def hub(tmp_path_factory):
    home = tmp_path_factory.mktemp('hf')
    env = {**os.environ, 'HF_HOME': str(home), 'HF_HUB_OFFLINE': '1'}
    run(CACHE, 'resnet18', 'mobilenetv3_small_100', 'resnet18=timm/resnet18.tv_in1k', env=env)   # the last: another tag, other random weights
    return env

def test_imagenet_weights_load_exactly_from_the_cache(hub):
    out = run(CHECK, 'resnet18', 'mobilenetv3_small_100', env=hub)   # two families
    assert 'resnet18 120 of 122' in out and 'mobilenetv3_small_100' in out

def test_a_hub_id_and_a_local_file_load_the_same_way(hub):
    f = next(Path(hub['HF_HOME']).glob('hub/models--timm--resnet18.tv_in1k/snapshots/*/model.safetensors'))
    out = run(CHECK, 'resnet18=timm/resnet18.tv_in1k', f'resnet18@{f}', env=hub)
    assert 'resnet18=timm/resnet18.tv_in1k 120 of 122 tensors from the cache' in out and 'resnet18 120 of 122 tensors from the file' in out

def test_a_mismatched_mapping_entry_stops_with_the_names(hub):
    code = "from deepfake_detect.models import create_model\ncreate_model('resnet34', 2, {'resnet34': 'timm/resnet18.tv_in1k'})"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=hub, cwd=ROOT)
    assert r.returncode != 0 and 'timm/resnet18.tv_in1k' in r.stderr and 'does not match resnet34' in r.stderr and 'layer' in r.stderr

def test_weights_list_and_fetch(hub, tmp_path):
    r = dfd_env(hub, 'weights', 'list', '--set', 'pretrained=imagenet')
    rows = {l.split()[0]: l for l in r.stdout.splitlines() if l.strip()}
    assert ' yes ' in rows['resnet18'] and 'timm/resnet18.a1_in1k' in rows['resnet18'] and ' 1, 2A' in rows['resnet18']   # needed from Phase 1 on, cached, with its size
    assert ' no ' in rows['resnet34'] and 'missing: ' in r.stdout and 'dfd weights fetch' in r.stdout
    r = dfd_env(hub, 'weights', 'fetch', '--archs', 'resnet18,mobilenetv3_small_100')
    assert 'resnet18: timm/resnet18.a1_in1k already cached' in r.stdout and 'MB)' in r.stdout
    r = dfd_env(hub, 'weights', 'fetch', '--archs', 'resnet34', check=False)              # offline and missing: refused, naming what and where
    assert r.returncode == 2 and 'HF_HUB_OFFLINE is set' in r.stderr and 'timm/resnet34.a1_in1k' in r.stderr and 'Traceback' not in r.stderr
    assert 'no pretrained weights needed' in dfd_env(hub, 'weights', 'list', '--preset', 'demo').stdout   # the demo trains from scratch

def test_unreachable_hub_stops_before_any_fold(tmp_path, synth_aspect):
    env = {**os.environ, 'HF_HOME': str(tmp_path/'empty'), 'HF_HUB_OFFLINE': '0', 'HF_ENDPOINT': 'http://127.0.0.1:9', 'HF_HUB_ETAG_TIMEOUT': '2',
           'HF_HUB_DOWNLOAD_TIMEOUT': '2'}   # online, but nothing answers
    r = dfd_env(env, 'study', '--data', synth_aspect, '--out', tmp_path/'O', '--phases', '1', '--preset', 'demo', '--set', 'pretrained=imagenet', check=False)
    assert r.returncode == 2 and 'Traceback' not in r.stderr
    assert 'timm/resnet18.a1_in1k are not in the Hugging Face cache and could not be fetched' in r.stderr and '--set pretrained=none' in r.stderr
    assert not (tmp_path/'O'/'runs').exists()

def test_missing_cache_stops_before_any_fold(tmp_path, synth_aspect):
    env = {**os.environ, 'HF_HOME': str(tmp_path/'empty'), 'HF_HUB_OFFLINE': '1'}
    r = subprocess.run([str(Path(sys.executable).parent/'dfd'), 'study', '--data', str(synth_aspect), '--out', str(tmp_path/'O'), '--phases', '1',
                        '--preset', 'demo', '--set', 'pretrained=imagenet'], capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode == 2 and 'Traceback' not in r.stderr
    assert 'resnet18: ImageNet weights timm/resnet18.a1_in1k are not in the Hugging Face cache' in r.stderr
    assert '--set pretrained=none' in r.stderr and 'local file' in r.stderr and 'HF_HOME' in r.stderr
    assert not (tmp_path/'O'/'runs').exists()                                                      # before any fold

def test_study_records_the_weights(hub, tmp_path, synth_aspect):
    r = subprocess.run([str(Path(sys.executable).parent/'dfd'), 'study', '--data', str(synth_aspect), '--out', str(tmp_path/'O'), '--phases', '1',
                        '--preset', 'demo', '--no-explain', '--set', 'pretrained=imagenet', 'n_folds=2', 'epochs=1', 'batch_size=16', 'frac=1.0'],
                       capture_output=True, text=True, env=hub, cwd=ROOT, timeout=900)
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path/'O'/'tables'/'phase1.csv').set_index('Model')
    f = next(Path(hub['HF_HOME']).glob('hub/models--timm--resnet18.a1_in1k/snapshots/*/model.safetensors'))
    assert t.loc['resnet18', 'pretrained'] == f"imagenet (timm/resnet18.a1_in1k, sha256 {hashlib.sha256(f.read_bytes()).hexdigest()[:12]})"   # the hub id and the file's hash
    assert t.loc['simplecnn', 'pretrained'] == 'none (SimpleCNN has no pretrained weights: trained from scratch)'
    img = next((synth_aspect/'wiki').rglob('*.*'))
    r = dfd_env(hub, 'predict', tmp_path/'O'/'phase1'/'resnet18', img, '--out', tmp_path/'p.csv')
    assert 'started from imagenet (timm/resnet18.a1_in1k, sha256' in r.stdout + r.stderr          # dfd predict says it too

def test_anomaly_train_honours_the_key(hub, tmp_path):
    d = tmp_path/'cartoon'
    dfd_env(hub, 'synth', d, '--kind', 'cartoon', '--n', 6)
    r = dfd_env(hub, 'anomaly', 'train', d, '--out', tmp_path/'runs', '--workers', 0, '--set', 'size=32', 'epochs=1', 'batch_size=16')   # anomaly.json: resnet18, pretrained
    assert 'weights: imagenet (timm/resnet18.a1_in1k' in r.stdout
    assert json.loads((tmp_path/'runs'/'anomaly'/'train.json').read_text())['pretrained'].startswith('imagenet (timm/resnet18.a1_in1k, sha256')
    r = dfd_env({**hub, 'HF_HOME': str(tmp_path/'empty')}, 'anomaly', 'train', d, '--out', tmp_path/'runs2', '--workers', 0, check=False)
    assert r.returncode == 2 and 'resnet18: ImageNet weights timm/resnet18.a1_in1k are not in the Hugging Face cache' in r.stderr
    assert not (tmp_path/'runs2'/'anomaly'/'train.json').exists()

def test_ray_workers_read_the_same_cache(hub, tmp_path, synth_aspect):
    r = dfd_env(hub, 'study', '--data', synth_aspect, '--out', tmp_path/'O', '--phases', '1', '--preset', 'demo', '--no-explain', '--scheduler', 'ray',
                '--cpus-per-fold', '1', '--set', 'pretrained=imagenet', 'n_folds=2', 'epochs=1', 'batch_size=16', 'frac=1.0')
    t = pd.read_csv(tmp_path/'O'/'tables'/'phase1.csv').set_index('Model')
    assert t.loc['resnet18', 'pretrained'].startswith('imagenet (timm/resnet18.a1_in1k, sha256') and t.loc['resnet18', 'folds'] == 2
    assert not (Path(hub['HF_HOME'])/'hub'/'.locks').exists() or not any((Path(hub['HF_HOME'])/'hub'/'.locks').rglob('*.lock'))   # nothing was downloaded
