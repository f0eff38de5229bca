"The README is generated from nbs/index.ipynb (nbdev-readme needs Quarto, absent here): they must agree."
import subprocess, sys
from pathlib import Path
from conftest import ROOT

def test_readme_matches_index_notebook():
    exe = Path(sys.executable).parent/'jupyter'
    md = subprocess.run([str(exe), 'nbconvert', '--to', 'markdown', '--stdout', 'nbs/index.ipynb', '--log-level=ERROR'],
                        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert md == (ROOT/'README.md').read_text(), 'README.md is stale: run `make readme`'

def test_readme_states_the_two_commands():
    txt = (ROOT/'README.md').read_text()
    assert 'make demo' in txt and 'make test' in txt
    assert 'make test' in (ROOT/'.ci'/'run').read_text()
