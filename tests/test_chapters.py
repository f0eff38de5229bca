"Every library notebook reads as a chapter: one definition per export cell (≤ 1.3 on average), ≥ 90 % of its public definitions demonstrated in a cell of their own, no function over 40 lines."
import ast, json, re
from pathlib import Path
import pytest
from conftest import ROOT

NBS = sorted((ROOT/'nbs').glob('[0-9]*.ipynb'))

def chapter(f):
    "`(definitions per export cell, public definitions, the ones never named in a non-export cell, functions over 40 lines)` of notebook `f`."
    code = [''.join(c['source']) for c in json.loads(f.read_text())['cells'] if c['cell_type'] == 'code']
    exp = [s for s in code if s.startswith('#| export')]
    shown = '\n'.join(s for s in code if not s.startswith(('#| export', '#| default_exp')))
    defs, long = [], []
    for s in exp:
        t = ast.parse(re.sub(r'^#\|.*$', '', s, flags=re.M))
        defs += [n.name for n in t.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        long += [f'{n.name} ({n.end_lineno - n.lineno + 1} lines)' for n in ast.walk(t)
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > 40]
    pub = [d for d in defs if not d.startswith('_')]
    return len(defs) / max(len(exp), 1), pub, [d for d in pub if not re.search(rf'\b{re.escape(d)}\b', shown)], long

@pytest.mark.parametrize('f', NBS, ids=[f.stem for f in NBS])
def test_notebook_reads_as_a_chapter(f):
    per_cell, pub, missing, long = chapter(f)
    assert per_cell <= 1.3, f'{f.name}: {per_cell:.2f} definitions per export cell'
    assert len(missing) <= 0.1 * len(pub), f'{f.name}: not demonstrated: {", ".join(missing)}'
    assert not long, f'{f.name}: functions over 40 lines: {", ".join(long)}'
