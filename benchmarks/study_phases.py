"""Per-phase wall time of a study, and what was trained vs reused, from its `study.json`.

Run the demo (or any study), then record it:
    time .venv/bin/dfd demo --out runs/demo          # first run: trains everything
    .venv/bin/python benchmarks/study_phases.py runs/demo --label first_run
    time .venv/bin/dfd demo --out runs/demo          # second run: reuses everything
    .venv/bin/python benchmarks/study_phases.py runs/demo --label rerun
Writes (merges into) benchmarks/study_phases.json.
"""
import argparse, json, os, platform
from pathlib import Path

p = argparse.ArgumentParser()
p.add_argument('out', help='the study folder (holds study.json)')
p.add_argument('--label', default='run')
p.add_argument('--wall', type=float, help='wall time of the whole command in seconds (from `time`), if measured')
a = p.parse_args()
st = json.loads((Path(a.out)/'study.json').read_text())
rec = dict(preset=st['preset'], size_map=st.get('size_map'), study_seconds=st['seconds'], unique_configs=st['unique_configs'], command_wall_seconds=a.wall,
           phases={k: {f: v[f] for f in ('seconds', 'experiments', 'distinct_configs', 'trained_folds', 'reused_folds')} for k, v in st['phases'].items()},
           trained_folds=sum(v['trained_folds'] for v in st['phases'].values()), reused_folds=sum(v['reused_folds'] for v in st['phases'].values()),
           machine=dict(cpus=os.cpu_count(), platform=platform.platform(), python=platform.python_version()))
f = Path(__file__).with_suffix('.json')
allr = json.loads(f.read_text()) if f.exists() else {}
allr[a.label] = rec
f.write_text(json.dumps(allr, indent=2) + '\n')
print(json.dumps(rec, indent=2))
