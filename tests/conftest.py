import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
DFD = Path(sys.executable).parent/'dfd'

def dfd(*args, cwd=None, check=True, timeout=600):
    "Run the real `dfd` console command; return the CompletedProcess."
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'MPLBACKEND': 'Agg'}
    r = subprocess.run([str(DFD), *map(str, args)], cwd=cwd or ROOT, capture_output=True, text=True, env=env, timeout=timeout)
    if check and r.returncode != 0: raise AssertionError(f'dfd {args} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}')
    return r

@pytest.fixture(scope='session')
def synth_aspect(tmp_path_factory):
    d = tmp_path_factory.mktemp('synth')/'dff'
    dfd('synth', d, '--n', 40, '--shortcuts', 'aspect')
    return d

def jupyter_checkout(tmp, results):
    "A checkout as a newcomer has it after `dfd demo`: pyproject.toml, nbs/report/, and the demo's results in runs/demo (here: `results`)."
    import shutil
    co = Path(tmp)/'checkout'
    (co/'nbs').mkdir(parents=True)
    shutil.copy(ROOT/'pyproject.toml', co)
    shutil.copytree(ROOT/'nbs'/'report', co/'nbs'/'report')
    (co/'runs').mkdir()
    (co/'runs'/'demo').symlink_to(Path(results).resolve(), target_is_directory=True)
    return co

def run_jupyter(nb_path):
    "Execute `nb_path` as Jupyter's Run all does: in the notebook's folder, with no DFD_ variable set; return the executed notebook."
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(nb_path, as_version=4)
    env = {k: v for k, v in os.environ.items() if not k.startswith('DFD_') and k != 'MPLBACKEND'}
    NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': str(Path(nb_path).parent)}}).execute(env=env)
    return nb

def md_outputs(nb):
    "Every Markdown output of `nb`, in order: the sentences a page shows."
    return [o['data']['text/markdown'] for c in nb.cells if c.cell_type == 'code' for o in c.outputs if 'text/markdown' in o.get('data', {})]
