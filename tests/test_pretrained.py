"Pretrained backbones through timm's Hugging Face hub integration, offline: a cache laid out in a temporary HF_HOME as huggingface_hub reads it."
import os, subprocess, sys, textwrap
from pathlib import Path
import pandas as pd
import pytest
from conftest import dfd, ROOT

CACHE = textwrap.dedent('''
    import os, sys, torch, timm
    from pathlib import Path
    from safetensors.torch import save_file
    home = Path(os.environ['HF_HOME'])
    for arch in sys.argv[1:]:   # a freshly initialised model's weights, saved as the cached file of its default hub id
        m = timm.create_model(arch, pretrained=False)
        repo = m.pretrained_cfg['hf_hub_id']
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
    for arch in sys.argv[1:]:
        m = create_model(arch, 2, 'imagenet')
        f = next(Path(__import__('os').environ['HF_HOME']).glob(f"hub/models--{hub_id(arch).replace('/', '--')}/snapshots/*/model.safetensors"))
        ref, own = load_file(f), m.state_dict()
        same = [k for k in own if k in ref and ref[k].shape == own[k].shape and torch.equal(ref[k], own[k])]
        head = [k for k in own if k not in same]
        assert len(head) <= 2 and len(same) == len(own) - len(head), (arch, head)   # every tensor loaded but the new head
        print(arch, len(same), 'of', len(own), 'tensors from the cache; new:', head)
''')

def run(code, *args, env):
    r = subprocess.run([sys.executable, '-c', code, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr
    return r.stdout

@pytest.fixture(scope='module')
def hub(tmp_path_factory):
    home = tmp_path_factory.mktemp('hf')
    env = {**os.environ, 'HF_HOME': str(home), 'HF_HUB_OFFLINE': '1'}
    run(CACHE, 'resnet18', 'mobilenetv3_small_100', env=env)
    return env

def test_imagenet_weights_load_exactly_from_the_cache(hub):
    out = run(CHECK, 'resnet18', 'mobilenetv3_small_100', env=hub)   # two families
    assert 'resnet18 120 of 122' in out and 'mobilenetv3_small_100' in out

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
    assert t.loc['resnet18', 'pretrained'] == 'imagenet (timm/resnet18.a1_in1k)'
    assert t.loc['simplecnn', 'pretrained'] == 'none (SimpleCNN has no pretrained weights: trained from scratch)'
