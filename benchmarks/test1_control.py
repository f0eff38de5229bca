"""2A Test 1 and its bars control on synthetic sets whose truth is known.

Two DFF-like sets, each with a cue a model can learn: one with the aspect shortcut planted (the fakes are square,
the reals are not), and one without it (the fakes carry a generator artefact, the geometry is the reals' own). The
study's Test 1 (ResNet18, standard view; the same checkpoints re-evaluated letterboxed and with the bars drawn)
runs on each; the conclusions' rule must find the geometry shortcut on the first and not on the second.

    .venv/bin/python benchmarks/test1_control.py          # about 10 minutes on a 2-core CPU
Writes benchmarks/test1_control.json.
"""
import json, os, platform, subprocess, sys, time
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DFD = Path(sys.executable).parent/'dfd'
WORK = ROOT/'benchmarks'/'_work'/'test1_control'
SETS = {'aspect planted': ['aspect'], 'no geometry shortcut (artefact:inpainting)': ['artefact:inpainting']}
STUDY = ['--preset', 'demo', '--phases', '2a_letterbox', '--no-explain', '--set', 'frac=1.0', 'epochs=8', 'scheduler.T_max=8']

def dfd(*a): subprocess.run([str(DFD), *map(str, a)], check=True, env={**os.environ, 'HF_HUB_OFFLINE': '1', 'MPLBACKEND': 'Agg'})

if __name__ == '__main__':
    from deepfake_detect.conclusions import conclude_letterbox, letterbox_shortcut
    res = {}
    for name, sc in SETS.items():
        d = WORK/name.split()[0]
        if not (d/'data'/'synth.json').exists(): dfd('synth', d/'data', '--n', 120, '--seed', 1, '--shortcuts', ','.join(sc))
        t0 = time.time()
        dfd('study', '--data', d/'data', '--out', d/'out', *STUDY)
        t = pd.read_csv(d/'out'/'tables'/'phase2a_letterbox.csv').set_index('arm')
        res[name] = dict(shortcuts=sc, seconds=round(time.time() - t0), found=letterbox_shortcut(t.reset_index())[0],
                         auc={a: round(float(t.AUC[a]), 3) for a in ('standard', 'letterbox', 'crop', 'bars')},
                         delta_ci_holm={a: [round(float(t.loc[a, c]), 3) for c in ('Δ', 'ci_low', 'ci_high', 'p_holm')] for a in ('letterbox', 'crop', 'bars')},
                         conclusion=conclude_letterbox(t.reset_index())[0])
        print(name, json.dumps(res[name], indent=1, ensure_ascii=False))
    out = dict(sets=res, study_args=STUDY, n_identities=120, machine=dict(cpus=os.cpu_count(), platform=platform.platform()))
    (ROOT/'benchmarks'/'test1_control.json').write_text(json.dumps(out, indent=2, ensure_ascii=False) + '\n')
