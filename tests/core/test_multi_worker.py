"""Multi-worker training: two real `lesionkit fit` worker processes on 127.0.0.1, a fit and a resume.

Also the parts that need no second process: which worker writes, and a non-chief fit that
leaves the run directory as it found it.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import lesionkit
from lesionkit import Trainer
from lesionkit.runs import RunDirError
from lesionkit.runtime.cluster import WorkerRole, tf_config, worker_role

ROOT = Path(lesionkit.__file__).resolve().parents[1]
TINY = '{"name": "synthetic", "params": {"sizes": {"train": 8, "validation": 4, "test": 4}}}'
# Two epochs of two global batches of 4 (2 images per worker); a frozen ResNet-18 keeps the
# gradients all-reduced per step small (trainable=all freezes the backbone: only the head trains).
FIT = shlex.split(
    "melanoma_resnet50_scratch --dataset synthetic --weights none --image-size 32 --epochs 2 --batch-size 4 "
    "--set backbone=resnet18 --set trainable=all --set balance=none --set augmenters=[] "
    "--set distribute=multi_worker_mirrored"
)
TIMEOUT_S = 240


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def run_workers(
    args: list[str], scratch: Path, extra: tuple[list[str], list[str]] = ([], [])
) -> list[subprocess.CompletedProcess[str]]:
    """Run `lesionkit fit ARGS` (+ ``extra[i]``) as worker 0 and 1 of one cluster, each in its own empty cwd and TMPDIR.

    Both are killed if either outlives the timeout; each one's output is kept for the asserts.
    """
    hosts = [f"127.0.0.1:{port}" for port in free_ports(2)]
    procs, logs = [], []
    for index in range(2):
        home = scratch / f"worker{index}"
        shutil.rmtree(home, ignore_errors=True)
        (home / "tmp").mkdir(parents=True)
        env = {
            **os.environ,
            "TF_CONFIG": tf_config(hosts, index),
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "TMPDIR": str(home / "tmp"),
            "CUDA_VISIBLE_DEVICES": "",  # two processes must not both claim a GPU
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        log = (home / "output.txt").open("w+")
        logs.append(log)
        cmd = [sys.executable, "-m", "lesionkit", "fit", *args, *extra[index]]
        procs.append(subprocess.Popen(cmd, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT, text=True))
    try:
        for proc in procs:
            proc.wait(timeout=TIMEOUT_S)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    results = []
    for proc, log in zip(procs, logs):
        log.seek(0)
        done = subprocess.CompletedProcess(proc.args, proc.returncode, log.read(), "")
        done.pid = proc.pid  # type: ignore[attr-defined]
        results.append(done)
        log.close()
    return results


def check_ok(results: list[subprocess.CompletedProcess[str]]) -> None:
    for index, result in enumerate(results):
        assert result.returncode == 0, f"worker {index} failed:\n{result.stdout[-4000:]}"


def history_epochs(run: Path) -> list[int]:
    with (run / "history.csv").open(newline="") as handle:
        return [int(row["epoch"]) for row in csv.DictReader(handle)]


def event_file_pids(run: Path) -> set[str]:
    # TensorBoard names its files events.out.tfevents.<time>.<host>.<pid>.<n>.v2
    return {path.name.split(".")[-3] for path in (run / "logs").rglob("events.out.tfevents.*")}


@pytest.fixture(scope="module")
def two_worker_run(tmp_path_factory) -> tuple[Path, Path, list[subprocess.CompletedProcess[str]]]:
    """A two-epoch fit by two workers, then a resume from a checkpoint of epoch 1 with a test report."""
    scratch = tmp_path_factory.mktemp("multi_worker")
    run = scratch / "run"
    fit = run_workers([*FIT, "--set", f"dataset={TINY}", "--run-dir", str(run), "--evaluate", ""], scratch)
    check_ok(fit)
    assert history_epochs(run) == [0, 1]
    # What a kill during epoch 2 leaves: its history row may be written, its checkpoint not.
    state = json.loads((run / "state.json").read_text())
    shutil.rmtree(run / "checkpoints" / state["checkpoint"])
    (run / "state.json").write_text(json.dumps({**state, "epoch": 1, "checkpoint": "epoch-0001"}))
    resumed = run_workers([*FIT, "--set", f"dataset={TINY}", "--run-dir", str(run), "--resume"], scratch)
    check_ok(resumed)
    return run, scratch, [*fit, *resumed]


@pytest.mark.slow
def test_the_chief_writes_a_complete_run(two_worker_run) -> None:
    run, _, _ = two_worker_run
    assert json.loads((run / "config.json").read_text())["distribute"] == "multi_worker_mirrored"
    assert (run / "environment.json").is_file() and (run / "reference.json").is_file()
    state = json.loads((run / "state.json").read_text())
    assert state["epoch"] == 2 and (run / "checkpoints" / "epoch-0002" / "model.npz").is_file()
    assert (run / "checkpoints" / "best" / "model.npz").is_file()
    assert (run / "reports" / "test" / "metrics.json").is_file()
    with (run / "reports" / "test" / "predictions.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4  # every test image once, gathered from both workers...
    # ...in the order of the images: the same as one process predicts with the best checkpoint,
    # which `lesionkit fit --evaluate` reports (as `lesionkit evaluate RUN` does).
    trainer = Trainer.from_run(run, weights="best")
    test = trainer.split("test")
    alone = trainer.predict(test.load_images(trainer.config.image_size))
    assert [r["image_id"] for r in rows] == list(test.ids)
    gathered = [float(r["probability"]) for r in rows]
    assert gathered == pytest.approx(alone, abs=1e-5), f"gathered {gathered} vs one process {list(alone)}"


@pytest.mark.slow
def test_resume_continues_without_repeating_epochs(two_worker_run) -> None:
    run, _, _ = two_worker_run
    assert history_epochs(run) == [0, 1]  # epoch 2's row was redone once, not appended twice
    assert not list((run / "checkpoints").glob(".*"))  # no partial checkpoint left


@pytest.mark.slow
def test_only_the_chief_writes(two_worker_run) -> None:
    run, scratch, results = two_worker_run
    # TensorBoard files name the process that wrote them: one per fit, the chief (worker 0).
    assert event_file_pids(run) == {str(results[0].pid), str(results[2].pid)}
    # The other worker's working directory and TMPDIR hold nothing but its output.
    leftovers = [p for p in (scratch / "worker1").rglob("*") if p.name not in ("output.txt", "tmp")]
    assert leftovers == []


@pytest.mark.slow
def test_workers_log_the_same_scores(two_worker_run) -> None:
    """Both see the same (all-reduced) monitored value: early stopping and the best checkpoint agree."""
    _, _, results = two_worker_run
    for chief, other in (results[:2], results[2:]):
        scores = [re.findall(r"val_auc: ([0-9.]+)", r.stdout) for r in (chief, other)]
        assert scores[0] and scores[0] == scores[1]


@pytest.mark.slow
def test_one_workers_error_stops_every_worker(two_worker_run) -> None:
    """Worker 0 refuses to start over a finished run; worker 1 (resuming it) must not wait for it forever."""
    run, scratch, _ = two_worker_run
    state = (run / "state.json").read_text()
    args = [*FIT, "--set", f"dataset={TINY}", "--run-dir", str(run), "--evaluate", ""]
    chief, other = run_workers(args, scratch, extra=([], ["--resume"]))
    assert chief.returncode == 2 and "already holds files" in chief.stdout
    assert other.returncode == 2 and "another worker failed" in other.stdout
    assert (run / "state.json").read_text() == state


SHARD_SCRIPT = """
import json, numpy as np, tensorflow as tf
from lesionkit.runtime.strategy import distribution_strategy
strategy = distribution_strategy("multi_worker_mirrored")  # first: before any op
from lesionkit.data.loading.pipeline import make_pipeline
images = np.repeat(np.arange(16, dtype=np.uint8), 32 * 32 * 3).reshape(16, 32, 32, 3)  # image i is all i
ds = make_pipeline(images, np.arange(16) % 2, batch_size=4, training=True, seed=0)
seen = []
for x, _ in strategy.experimental_distribute_dataset(ds):  # as Keras's fit distributes it
    for local in strategy.experimental_local_results(x):
        seen.append([int(v) for v in local[:, 0, 0, 0].numpy()])
print("SEEN", json.dumps(seen))
"""


@pytest.mark.slow
def test_each_training_image_is_seen_once_per_epoch_across_workers(tmp_path: Path) -> None:
    """The training pipeline under two workers: each keeps its half of every global batch of 4."""
    hosts = [f"127.0.0.1:{port}" for port in free_ports(2)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.update(CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="2")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SHARD_SCRIPT],
            env={**env, "TF_CONFIG": tf_config(hosts, i)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(2)
    ]
    try:
        outputs = [p.communicate(timeout=TIMEOUT_S)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    batches = []
    for output in outputs:
        line = next((ln for ln in output.splitlines() if ln.startswith("SEEN ")), None)
        assert line is not None, output[-3000:]
        batches.append(json.loads(line[5:]))
    assert [len(b) for b in batches] == [4, 4]  # the same number of steps on both workers
    assert all(len(batch) == 2 for worker in batches for batch in worker)  # global batch 4 = 2 + 2
    seen = [i for worker in batches for batch in worker for i in batch]
    assert sorted(seen) == list(range(16))  # every image once, none twice


def test_a_strategy_after_tensorflow_started(monkeypatch) -> None:
    """Too late for collective ops: one worker (no TF_CONFIG) still works, a cluster gets a clear error."""
    import tensorflow as tf

    from lesionkit.runtime.errors import RuntimeConfigError
    from lesionkit.runtime.strategy import distribution_strategy

    tf.constant(1.0) + 1.0  # TensorFlow's runtime has started in this process
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert distribution_strategy("multi_worker_mirrored").num_replicas_in_sync == 1
    monkeypatch.setenv("TF_CONFIG", tf_config(["127.0.0.1:1", "127.0.0.1:2"], 0))
    with pytest.raises(RuntimeConfigError, match="before TensorFlow runs anything"):
        distribution_strategy("multi_worker_mirrored")


def test_roles_from_tf_config() -> None:
    hosts = ["127.0.0.1:1", "127.0.0.1:2"]
    roles = [worker_role("multi_worker_mirrored", {"TF_CONFIG": tf_config(hosts, i)}) for i in range(2)]
    assert [r.is_chief for r in roles] == [True, False] and {r.num_workers for r in roles} == {2}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_a_non_chief_fit_writes_nothing(binary_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A worker that is not the chief resumes from the chief's checkpoint and leaves every file as it was."""
    run = binary_run.copy_to(tmp_path)  # a finished two-epoch run: the chief's files
    config = json.loads((run / "config.json").read_text())
    trainer = Trainer({**config, "epochs": 3, "run_dir": str(run)})
    trainer.role = WorkerRole("worker", 1, 2, False)  # type: ignore[misc]
    # The saved config says 2 epochs: a non-chief checks the resume like the chief (and refuses).
    with pytest.raises(RunDirError, match="differs"):
        trainer.fit(resume=True, verbose=0)
    trainer = Trainer({**config, "run_dir": str(run)})
    trainer.role = WorkerRole("worker", 1, 2, False)  # type: ignore[misc]
    # A state of 1 epoch done that points at the chief's first checkpoint: one epoch to train.
    (run / "state.json").write_text(json.dumps({"epoch": 1, "checkpoint": "epoch-0001", "best_score": None}))
    before = snapshot(run)
    history = trainer.fit(resume=True, verbose=0)
    assert len(history["loss"]) == 1  # trained the epoch...
    assert snapshot(run) == before  # ...and wrote nothing: no row, checkpoint, state, log
    trainer.evaluate("test")
    assert snapshot(run) == before  # nor a report
