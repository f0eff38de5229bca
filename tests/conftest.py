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
