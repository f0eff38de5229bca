"""2A Test 1's letterbox and bars arms with grey bars (`preprocessing.PAD`, what the study draws) and with black ones, on the same checkpoints.

Run the demo first, then:
    .venv/bin/python benchmarks/letterbox_pad.py runs/demo
Copies the Test 1 experiment to a temporary folder (the study's own results are not touched); writes benchmarks/letterbox_pad.json.
"""
import argparse, json, shutil, tempfile
from functools import partial
from pathlib import Path
from deepfake_detect import preprocessing as pp, phases
from deepfake_detect.config import load_config
from deepfake_detect.cv import fold_rows

p = argparse.ArgumentParser()
p.add_argument('out', help='a study folder with 2A Test 1 (phase2a_letterbox/resnet18)')
a = p.parse_args()
tmp = Path(tempfile.mkdtemp())
exp = tmp/'exp'
shutil.copytree(Path(a.out)/'phase2a_letterbox'/'resnet18', exp, symlinks=False, ignore=shutil.ignore_patterns('letterbox', 'bars', 'square'))
cfg, data_dir = load_config(exp/'fold_0'/'config.json'), json.loads((Path(a.out)/'study.json').read_text())['data']
std = fold_rows(exp)
rec = dict(results=str(a.out), standard_auc=round(float(std.val_auc.mean()), 3), arms={})
for name, fill in (('grey (PAD)', pp.PAD), ('black', (0, 0, 0))):
    pp.VIEWS['letterbox'], pp.VIEWS['bars'] = partial(pp.letterbox, fill=fill), partial(pp.bars, fill=fill)
    pp.PAD = fill   # the cache key and the re-evaluations' record follow the colour (view_pad)
    for v in ('letterbox', 'bars'):
        d = phases.reeval(exp, cfg, data_dir, tmp/name.split()[0], v)
        r = fold_rows(d)
        c = phases.compare_all(std, r, cfg['equivalence_margin'])
        rec['arms'][f'{v}, {name} bars'] = dict(auc=round(float(r.val_auc.mean()), 3), delta=round(c['Δ'], 3), p=round(c['p'], 4))
        shutil.rmtree(d)
shutil.rmtree(tmp)
Path(__file__).with_suffix('.json').write_text(json.dumps(rec, indent=2) + '\n')
print(json.dumps(rec, indent=2))
