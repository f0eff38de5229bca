"Scale-out: the study's fold grid on Ray. Fake GPUs, a killed worker, a fold that raises, a killed driver, `dfd fold`, and the SLURM script run with stand-in `srun`/`scontrol`."
import json, os, re, signal, socket, subprocess, sys, time
from datetime import datetime
from pathlib import Path
import pandas as pd, pytest
from conftest import dfd, DFD, ROOT

BIN = Path(sys.executable).parent
ARGS = ['--preset', 'demo', '--phases', '1', '--no-explain', '--set', 'n_folds=3', 'epochs=2', 'batch_size=16', 'frac=1.0']
ONE = ['--cpus-per-fold', '1']   # one thread per fold everywhere: float sums depend on the thread count
KEYS = ('val_auc', 'test_auc', 'train_auc', 'restored_valid_loss', 'holdout', 'test')
ENV = {**os.environ, 'HF_HUB_OFFLINE': '1', 'MPLBACKEND': 'Agg', 'RAY_AUTH_MODE': 'token'}   # as on a cluster: every Ray process authenticates

def metrics(out):
    "Each fold's figures, by experiment and fold."
    return {f'{f.parent.parent.name}/{f.parent.name}': {k: json.loads(f.read_text())[k] for k in KEYS} for f in sorted(Path(out).glob('runs/*/fold_*/metrics.json'))}

def attempts(out):
    "How many times each fold was started (its log's start lines)."
    return {f'{f.parent.parent.name}/{f.parent.name}': f.read_text().count(' start ') for f in sorted(Path(out).glob('runs/*/fold_*/fold.log'))}

def runs(out):
    "Each attempt from the fold logs: fold, start, end, pid, the GPU it was given."
    res = []
    for f in sorted(Path(out).glob('runs/*/fold_*/fold.log')):
        start = None
        for line in f.read_text().splitlines():
            ts, _, msg = line.partition(' ')
            if msg.startswith('start '): start = dict(fold=f.parent.name, exp=f.parent.parent.name, t0=datetime.fromisoformat(ts),
                                                      pid=int(re.search(r'pid=(\d+)', msg)[1]), gpu=re.search(r'CUDA_VISIBLE_DEVICES=(\S*)', msg)[1])
            elif msg.startswith('end ') and start: res.append(start | dict(t1=datetime.fromisoformat(ts))); start = None
    return res

def same_tables(a, b):
    pd.testing.assert_frame_equal(pd.read_csv(Path(a)/'tables'/'phase1.csv'), pd.read_csv(Path(b)/'tables'/'phase1.csv'), check_exact=True)

def study(data, out, *extra, env=None, check=True):
    r = subprocess.run([str(DFD), 'study', '--data', str(data), '--out', str(out), *ARGS, *extra], cwd=ROOT, capture_output=True, text=True,
                       env={**ENV, **(env or {})}, timeout=600)
    if check and r.returncode: raise AssertionError(f'dfd study failed ({r.returncode}):\n{r.stdout}\n{r.stderr}')
    return r

@pytest.fixture(scope='module')
def reference(synth_aspect, tmp_path_factory):
    out = tmp_path_factory.mktemp('sequential')
    study(synth_aspect, out, *ONE)
    assert len(metrics(out)) == 6 and set(attempts(out).values()) == {1}
    return out

def free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@pytest.fixture
def fake_gpu_cluster(tmp_path):
    "A running Ray with 2 CPUs and 2 made-up GPUs (this machine has none): what `ray:ADDRESS` joins."
    port = free_port()
    subprocess.run([str(BIN/'ray'), 'start', '--head', f'--port={port}', '--num-cpus=2', '--num-gpus=2', '--include-dashboard=false',
                    '--disable-usage-stats'], check=True, capture_output=True, env=ENV, timeout=120)
    yield f'{socket.gethostbyname(socket.gethostname())}:{port}'
    subprocess.run([str(BIN/'ray'), 'stop', '--force'], capture_output=True, env=ENV, timeout=120)

def test_fake_gpus_two_at_a_time_distinct_devices_same_tables(reference, synth_aspect, tmp_path, fake_gpu_cluster):
    out = tmp_path/'ray'
    r = study(synth_aspect, out, '--scheduler', f'ray:{fake_gpu_cluster}', '--gpus-per-fold', '1', *ONE)
    assert 'folds trained on ray:' in r.stdout and 'done 6' in r.stderr
    rs = runs(out)
    assert len(rs) == 6 and {x['gpu'] for x in rs} == {'0', '1'}
    assert len({x['pid'] for x in rs}) == 6                      # each GPU fold in a fresh worker process
    at = lambda t: [x for x in rs if x['t0'] <= t < x['t1']]
    busy = [at(x['t0']) for x in rs]                             # who runs when each fold starts
    assert max(map(len, busy)) == 2                              # two folds side by side, never three
    assert all(len({x['gpu'] for x in b}) == len(b) for b in busy)   # ... each on its own GPU
    same_tables(reference, out)
    assert metrics(out) == metrics(reference)

def test_killed_worker_reruns_to_the_same_result(reference, synth_aspect, tmp_path):
    out = tmp_path/'ray'
    p = subprocess.Popen([str(DFD), 'study', '--data', str(synth_aspect), '--out', str(out), *ARGS, '--scheduler', 'ray', *ONE], cwd=ROOT,
                         env={**ENV, 'DFD_FAULT': 'hang:1'}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        killed, t = set(), time.time()
        while len(killed) < 2:                                   # fold 1 of each experiment hangs on its first attempt: kill its worker
            assert p.poll() is None and time.time() - t < 300, 'the study ended or stalled before fold 1 started'
            for f in out.glob('runs/*/fold_1/fold.log'):
                if f not in killed and (m := re.search(r'start attempt=1 pid=(\d+)', f.read_text())):
                    os.kill(int(m[1]), signal.SIGKILL); killed.add(f)
            time.sleep(0.1)
        so, se = p.communicate(timeout=600)
    finally: os.killpg(p.pid, signal.SIGKILL) if p.poll() is None else None
    assert p.returncode == 0, so + se
    assert 'worker lost' in so + se and 'retried 2' in se
    att = attempts(out)
    assert {k: v for k, v in att.items() if k.endswith('fold_1')} == {k: 2 for k in att if k.endswith('fold_1')}
    assert {v for k, v in att.items() if not k.endswith('fold_1')} == {1}   # the others ran once
    assert metrics(out) == metrics(reference)

def test_raising_fold_is_named_and_retried_only_when_asked(reference, synth_aspect, tmp_path):
    out = tmp_path/'ray'
    r = study(synth_aspect, out, '--scheduler', 'ray', *ONE, env={'DFD_FAULT': 'raise:1'}, check=False)
    assert r.returncode == 1
    for e in ('simplecnn', 'resnet18'): assert f'phase1/{e} fold 1: RuntimeError' in r.stderr, r.stderr
    assert r.stderr.count('fold.log') >= 2 and 'retrying' not in r.stdout + r.stderr
    assert set(metrics(out)) == {f'{e}/fold_{k}' for e in {p.parent.name for p in out.glob('runs/*/fold_0')} for k in (0, 2)}   # the rest finished
    assert json.loads((out/'study.json').read_text())['failed']
    # one fold alone, by hand: the grid's unit
    exp = next(p for p in (out/'runs').iterdir() if json.loads((p/'config.json').read_text())['arch'] == 'simplecnn')
    f = subprocess.run([str(DFD), 'fold', str(exp), '1', '--threads', '1'], cwd=ROOT, capture_output=True, text=True, env={**ENV, 'DFD_FAULT': 'raise:1'})
    assert f.returncode == 0 and 'done in' in f.stdout, f.stdout + f.stderr
    assert 'already finished' in dfd('fold', exp, 1).stdout
    bad = dfd('fold', tmp_path/'nowhere', 0, check=False)
    assert bad.returncode == 2 and 'not a prepared experiment' in bad.stderr
    # asked to retry: the fold that still raises once more is retried and finishes; nothing finished is run again
    before = attempts(out)
    r = study(synth_aspect, out, '--scheduler', 'ray', *ONE, '--max-retries', '1', env={'DFD_FAULT': 'raise:1:2'})
    assert 'retrying phase1/resnet18 fold 1: RuntimeError' in r.stdout + r.stderr
    after = attempts(out)
    changed = {k: (before[k], after[k]) for k in after if after[k] != before[k]}
    assert len(changed) == 1 and list(changed.values()) == [(1, 3)] and list(changed)[0].endswith('fold_1')
    assert metrics(out) == metrics(reference)
    same_tables(reference, out)

def test_killed_driver_reruns_only_unfinished_folds(reference, synth_aspect, tmp_path):
    out = tmp_path/'ray'
    p = subprocess.Popen([str(DFD), 'study', '--data', str(synth_aspect), '--out', str(out), *ARGS, '--scheduler', 'ray', *ONE], cwd=ROOT,
                         env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        t = time.time()
        while not list(out.glob('runs/*/fold_*/metrics.json')):
            assert p.poll() is None and time.time() - t < 300, 'the study ended or stalled before a fold finished'
            time.sleep(0.05)
        p.kill(); p.wait()                                      # SIGKILL to the driver alone
        time.sleep(10)                                          # Ray notices its driver is gone and stops its workers
        done = {f: f.stat().st_mtime_ns for f in out.glob('runs/*/fold_*/metrics.json')}
        assert 0 < len(done) < 6, f'{len(done)} folds finished: the driver was killed too late to test anything'
    finally:
        try: os.killpg(p.pid, signal.SIGKILL)                   # whatever of that Ray is left
        except ProcessLookupError: pass
    study(synth_aspect, out, '--scheduler', 'ray', *ONE)
    assert {f: f.stat().st_mtime_ns for f in done} == done      # finished folds untouched
    att = attempts(out)
    assert all(att[f'{f.parent.parent.name}/{f.parent.name}'] == 1 for f in done)   # and never started again
    assert metrics(out) == metrics(reference)
    same_tables(reference, out)

def test_slurm_script_runs_the_study_on_its_ray(reference, synth_aspect, tmp_path):
    "The sbatch file, run by bash with stand-ins for SLURM's srun and scontrol on this one machine (a 1-node allocation)."
    out, shims = tmp_path/'slurm', tmp_path/'bin'
    shims.mkdir()
    (shims/'scontrol').write_text('#!/bin/bash\nhostname\n')
    (shims/'srun').write_text('#!/bin/bash\nwhile [[ $1 == -* ]]; do [[ $1 == -w ]] && shift; shift; done\nexec "$@"\n')   # drop srun's options, run the command
    for f in shims.iterdir(): f.chmod(0o755)
    job = tmp_path/'job.sbatch'
    dfd('slurm-script', '--out', job, '--gpus-per-node', 0, '--cpus-per-node', 2, '--port', free_port(), '--', '--data', synth_aspect, '--out', out, *ARGS)
    env = {**ENV, 'PATH': f"{shims}:{ENV['PATH']}", 'SLURM_JOB_NODELIST': 'node1', 'SLURM_JOB_ID': '42', 'HOME': str(tmp_path)}
    r = subprocess.run(['bash', str(job)], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'folds trained on ray:' in r.stdout and not (tmp_path/'.ray'/'dfd-42.token').exists()   # the job's token is removed at the end
    assert metrics(out) == metrics(reference)
    same_tables(reference, out)
