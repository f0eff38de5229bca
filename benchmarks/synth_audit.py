"""Ground-truth check of the audit on synthetic data: for each planted shortcut (none, aspect, color, format),
the metadata-only probe AUC with its 95% bootstrap interval (the null dataset's must hold 0.5), and whether the near-duplicate audit alone links every insight/A to its partner's group.

Run: .venv/bin/python benchmarks/synth_audit.py [--n 200]    Writes benchmarks/synth_audit.json.
"""
import argparse, json, shutil, time
from pathlib import Path
import numpy as np
from deepfake_detect.synth import make_dff
from deepfake_detect.data import index_folder, merge_groups, read_pairs, shortcut_probe

p = argparse.ArgumentParser(); p.add_argument('--n', type=int, default=200); a = p.parse_args()
res = {}
for sc in [(), ('aspect',), ('color',), ('format',)]:
    name = '+'.join(sc) or 'none'
    ds = Path('benchmarks/_work')/f'audit_{name}'
    shutil.rmtree(ds, ignore_errors=True)  # always the current generator's data
    ds = make_dff(ds, n=a.n, seed=0, shortcuts=sc, progress=False)
    t = time.time(); df = index_folder(ds, n_workers=2, progress=False); ti = time.time() - t
    pairs = dict(read_pairs(ds/'pairs.csv'))
    near, _ = merge_groups(df, None)                      # near-duplicate audit only, no pairs file
    ins = near[near.source == 'insight']
    linked = float(np.mean([near.group[near.key == pairs[k]].iloc[0] == g for k, g in zip(ins.key, ins.group)]))
    keys_per_group = near.groupby('group').key.nunique().value_counts().to_dict()
    full, _ = merge_groups(df, read_pairs(ds/'pairs.csv'))
    pr = shortcut_probe(full)
    res[name] = dict(images=len(df), index_files_per_s=round(len(df) / ti, 1), insight_linked_share=linked,
                     keys_per_group={int(k): int(v) for k, v in keys_per_group.items()}, probe_auc=round(pr['auc'], 3), probe_auc_ci=[round(v, 3) for v in pr['ci']],
                     probe_models={k: round(v, 3) for k, v in pr['models'].items()},
                     top_features={k: round(v, 3) for k, v in list(pr['features'].items())[:3]})
    print(name, json.dumps(res[name]), flush=True)
Path('benchmarks/synth_audit.json').write_text(json.dumps(res, indent=2) + '\n')
