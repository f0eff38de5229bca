"The study report (`dfd report`): seven pages and an index from a tiny study, with a phase missing, a fold missing and an outdated table."
import json, re, shutil
import pandas as pd
import pytest, yaml
from conftest import dfd, jupyter_checkout, run_jupyter, md_outputs

SMALL = ['--preset', 'demo', '--set', 'n_folds=2', 'epochs=1', 'batch_size=16']
PAGES = ['01_eda', '02_preprocessing', '03_phase1_analysis', '04_phase2_analysis', '05_phase3_analysis', '06_phase4_analysis', '07_gradcam_deep_dive']

@pytest.fixture(scope='module')
def report(tmp_path_factory):
    d = tmp_path_factory.mktemp('report')
    dfd('synth', d/'data', '--n', 60, '--shortcuts', 'aspect')
    dfd('study', '--data', d/'data', '--out', d/'out', '--phases', '1,2a_letterbox,2d', *SMALL)
    out = d/'out'
    pd.DataFrame({'phase': ['phase2b'], 'Model': ['SimpleCNN']}).to_csv(out/'tables'/'phase2b.csv', index=False)   # from an "older version"
    (out/'phase1'/'resnet18'/'fold_1'/'metrics.json').unlink()                                                  # a fold that did not finish
    r = dfd('report', 'out', cwd=d)                                                                          # as a user types it: pages name `out/…`, no path of this machine
    return out, r, {p: (out/'report'/f'{p}.html').read_text() for p in PAGES}

def test_index_and_every_page_written(report):
    out, r, pages = report
    idx = (out/'report'/'index.html').read_text()
    assert r.stdout.startswith('report: ') and r.stdout.splitlines()[0].split()[1].endswith('index.html')
    for p in PAGES: assert f'href="{p}.html"' in idx, p
    assert 'Every phase: its question and the answer' in idx and 'Phase 1' in idx
    assert 'not run: <code>dfd study --data' in idx and '--phases 4b' in idx                  # missing phases name their command
    assert not re.search(r'>\s*(\?|nan|NaN)\s*<', idx)                                          # no unfilled cell

def test_pages_clean_offline_and_self_contained(report):
    out, _, pages = report
    for p, html in pages.items():
        assert 'Traceback' not in html and 'could not be drawn' not in html, p               # no crash, no guarded failure
        assert 'src="http' not in html, p                                                      # opens offline
    assert pages['01_eda'].count('data:image/png;base64') >= 4                                # figures embedded
    assert (out/'figures'/'eda_resolution.png').exists() and (out/'figures'/'eda_resolution.svg').exists()
    assert 'Aspect ratio alone separates real from fake' in pages['01_eda']

def test_missing_parts_say_which_command_fills_them(report):
    out, _, pages = report
    p2 = pages['04_phase2_analysis']
    assert 'no results for phase2c' in p2 and '--phases 2c' in p2                              # a phase missing
    assert 'comes from an older version' in p2 and 'phase2b.csv' in p2                        # an outdated table
    assert 'resnet18: fold(s) 1 not finished' in pages['03_phase1_analysis']                  # a fold missing
    assert 'no results for phase3' in pages['05_phase3_analysis']
    assert 'no Grad-CAM outputs for phase3' in pages['05_phase3_analysis'] and '--no-explain' in pages['05_phase3_analysis']

def test_conclusions_come_from_the_tables(report):
    out, _, pages = report
    from deepfake_detect.conclusions import conclude
    t = pd.read_csv(out/'tables'/'phase2a_letterbox.csv')
    s = conclude('phase2a_letterbox', t)[0]
    assert f"{t.AUC.iloc[0]:.3f}" in s and ('with the standard view' in s or 'the model is at chance' in s)   # the standard arm's AUC, read or gated
    assert s.split(' ⇒')[0].split(':')[0].replace('−', '-') in pages['04_phase2_analysis'].replace('−', '-')
    assert 'Groups found in two or more roles: <strong>0</strong>' in pages['02_preprocessing']

def test_gradcam_pages_show_what_dfd_explain_measured(report):
    out, _, pages = report
    g = pages['07_gradcam_deep_dive']
    e = pd.read_csv(out/'phase2a_letterbox'/'resnet18'/'cam_energy.csv').query("source == 'all'").set_index('eval_view')
    assert f"{e.loc['letterbox', 'bars_share']:.2f} lies on the padding bars" in g                     # the rule's sentence, from the file
    assert 'Where the models look: face, background, bars' in g and g.count('data:image/png;base64') >= 8   # figure + galleries, hard examples, calibration
    assert (out/'figures'/'cam_energy.svg').exists()
    assert '<strong>phase1/simplecnn</strong>' in pages['03_phase1_analysis'] and 'no Grad-CAM outputs' not in pages['03_phase1_analysis']

def test_dfd_explain_command(report, tmp_path):
    out, _, _ = report
    exp = out/'phase1'/'simplecnn'
    mt = (exp/'explain.json').stat().st_mtime_ns
    r = dfd('explain', out/'phase1')                                    # a phase folder: each experiment; already explained: nothing redone
    assert r.stdout.count('test images, faces found') == 2 and 'calibration (ECE)' in r.stdout
    assert (exp/'explain.json').stat().st_mtime_ns == mt
    r = dfd('explain', exp, '--method', 'eigencam', '--n', 12)          # another method: recomputed
    assert 'eigencam on features' in r.stdout and json.loads((exp/'explain.json').read_text())['gallery'] == 12
    bad = dfd('explain', tmp_path, check=False)
    assert bad.returncode == 2 and 'no experiment there' in bad.stderr
    bad = dfd('explain', exp, '--fold', 7, check=False)
    assert bad.returncode == 2 and 'fold 7 is not finished' in bad.stderr

def claims_supported(s):
    "Check one conclusion sentence against the numbers it quotes: an effect word needs a quoted Holm p < 0.05, an equivalence a quoted TOST p < 0.05, 'inconclusive' a Holm p ≥ 0.05."
    holm = [float(x) if x[0] != '<' else 0. for x in re.findall(r'\(Holm (< 0\.001|[0-9.]+)\)', s)]
    tost = [float(x) if x[0] != '<' else 0. for x in re.findall(r'two one-sided tests, Holm p (?:= )?(< 0\.001|[0-9.]+)', s)]
    if re.search(r'\*\*[^*]*significantly', s): assert any(h < .05 for h in holm), s
    if 'equivalent within' in s: assert any(p < .05 for p in tost), s
    if 'inconclusive at this size: the interval' in s: assert any(h >= .05 for h in holm), s
    for w in ('does not rely', 'no drop:', 'overfits most', 'no significant'): assert w not in s, (w, s)   # the old, unsupported words

def test_every_sentence_is_supported(report):
    out, _, _ = report
    from deepfake_detect.conclusions import conclude
    from deepfake_detect.pages import load_tables
    tabs = load_tables(out)
    assert {'phase1', 'phase2a_letterbox', 'phase2d'} <= set(tabs)
    for p, t in tabs.items():
        for s in conclude(p, t): claims_supported(s)

def test_index_lists_the_shortcut_family(report):
    out, _, _ = report
    idx = (out/'report'/'index.html').read_text()
    assert 'Shortcuts (one family of tests, Holm over all of them)' in idx
    assert 'geometry (aspect ratio)' in idx and 'audit probe' not in idx                 # the test named by what it looks for
    assert 'not run: <code>dfd audit</code>' in idx or 'metadata alone' in idx

def test_site_is_complete_and_relocatable(report):
    out, _, _ = report
    from deepfake_detect.report import check_site
    site = out/'site'
    assert check_site(site) == []                                                         # every listed page there, executed, with outputs
    cfg = yaml.safe_load((site/'_quarto.yml').read_text())
    assert cfg['project']['render'] == ['index.ipynb'] + [f'{p}.ipynb' for p in PAGES]   # the YAML names them, index first
    assert cfg['website']['sidebar']['contents'][:2] == ['index.ipynb', '01_eda.ipynb'] and cfg['execute']['enabled'] is False
    for f in site.rglob('*'):
        if f.suffix in ('.ipynb', '.yml', '.html'): assert str(out.parent) not in f.read_text(), f   # no path of this machine
    assert (site/'figures'/'eda_resolution.svg').exists()
    import nbformat
    nb = nbformat.read(site/'03_phase1_analysis.ipynb', as_version=4)
    code = [c for c in nb.cells if c.cell_type == 'code']
    assert all(c.source.startswith('#| echo: false') for c in code) and sum(len(c.outputs) for c in code) >= 5

def test_report_notebooks_run_in_jupyter(report, tmp_path):
    "Each page, opened from nbs/report/ of a checkout whose runs/demo holds the results, with no DFD_ variable: Run all gives the page dfd report rendered."
    out, _, _ = report
    dfd('report', 'out', cwd=out.parent)        # test_dfd_explain_command re-explained phase1/simplecnn: the pages it changed are rendered again
    co = jupyter_checkout(tmp_path, out)
    for p in ['index'] + PAGES:
        nb = run_jupyter(co/'nbs'/'report'/f'{p}.ipynb')
        first = next(c for c in nb.cells if c.cell_type == 'code')
        assert first.metadata.get('tags') == ['parameters'] and first.source.startswith('results = None'), p   # papermill's and Quarto's parameters cell
        got = [m.replace(str(co/'runs'/'demo'), 'out').replace(str(out.parent/'data'), 'data') for m in md_outputs(nb)]
        want = md_outputs(nbformat_read(out/'site'/f'{p}.ipynb'))
        assert got == want, p
        assert not any('Traceback' in o.get('text', '') for c in nb.cells if c.cell_type == 'code' for o in c.outputs), p

def nbformat_read(f):
    import nbformat
    return nbformat.read(f, as_version=4)
