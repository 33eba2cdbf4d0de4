"""TF_CONFIG: roles read from it, and built from Slurm's and Kubernetes's environment (no TensorFlow)."""

from __future__ import annotations

import json

import pytest

from lesionkit.cli import main
from lesionkit.runtime.cluster import (
    expand_hostlist,
    parse_tf_config,
    tf_config,
    tf_config_from_kubernetes,
    tf_config_from_slurm,
    worker_role,
)
from lesionkit.runtime.errors import RuntimeConfigError

MWMS = "multi_worker_mirrored"


def test_worker_zero_is_chief_unless_the_cluster_has_a_chief() -> None:
    hosts = ["a:1", "b:1", "c:1"]
    roles = [worker_role(MWMS, {"TF_CONFIG": tf_config(hosts, i)}) for i in range(3)]
    assert [r.is_chief for r in roles] == [True, False, False]
    assert {r.num_workers for r in roles} == {3} and roles[2].task_index == 2 and roles[0].is_multi_worker
    with_chief = {"cluster": {"chief": ["c:1"], "worker": ["a:1", "b:1"]}}
    chief = worker_role(MWMS, {"TF_CONFIG": json.dumps({**with_chief, "task": {"type": "chief", "index": 0}})})
    worker0 = worker_role(MWMS, {"TF_CONFIG": json.dumps({**with_chief, "task": {"type": "worker", "index": 0}})})
    assert (chief.is_chief, worker0.is_chief, chief.num_workers) == (True, False, 3)


def test_one_chief_without_tf_config_or_another_strategy() -> None:
    assert worker_role(MWMS, {}).is_chief and not worker_role(MWMS, {}).is_multi_worker
    assert worker_role("mirrored", {"TF_CONFIG": tf_config(["a:1", "b:1"], 1)}).is_chief


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"cluster": {"worker": ["a:1"]}}', "needs a cluster"),
        ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}', "not in its cluster"),
    ],
)
def test_unusable_tf_config_names_the_problem(text: str, message: str) -> None:
    with pytest.raises(RuntimeConfigError, match=message):
        parse_tf_config(text)


def test_slurm_host_lists_expand_like_scontrol() -> None:
    assert expand_hostlist("node1") == ["node1"]
    assert expand_hostlist("gpu[08-10],cpu[1,3]-ib") == ["gpu08", "gpu09", "gpu10", "cpu1-ib", "cpu3-ib"]
    with pytest.raises(RuntimeConfigError, match="range"):
        expand_hostlist("gpu[a-b]")


def test_tf_config_from_slurm() -> None:
    env = {"SLURM_JOB_NODELIST": "gpu[1-3]", "SLURM_PROCID": "2"}
    data = json.loads(tf_config_from_slurm(env, port=4000))
    assert data == {
        "cluster": {"worker": ["gpu1:4000", "gpu2:4000", "gpu3:4000"]},
        "task": {"type": "worker", "index": 2},
    }
    with pytest.raises(RuntimeConfigError, match="srun"):
        tf_config_from_slurm({})
    with pytest.raises(RuntimeConfigError, match="one worker per node"):
        tf_config_from_slurm({"SLURM_JOB_NODELIST": "gpu1", "SLURM_PROCID": "1"})


def test_tf_config_from_kubernetes() -> None:
    statefulset = json.loads(tf_config_from_kubernetes({"HOSTNAME": "lesion-train-1"}, service="workers", replicas=2))
    assert statefulset["cluster"]["worker"] == ["lesion-train-0.workers:12345", "lesion-train-1.workers:12345"]
    assert statefulset["task"]["index"] == 1
    job = json.loads(
        tf_config_from_kubernetes({"JOB_COMPLETION_INDEX": "0", "HOSTNAME": "x"}, service="s", replicas=1, name="j")
    )
    assert job["cluster"]["worker"] == ["j-0.s:12345"] and job["task"]["index"] == 0
    with pytest.raises(RuntimeConfigError, match="JOB_COMPLETION_INDEX"):
        tf_config_from_kubernetes({"HOSTNAME": "pod"}, service="s", replicas=2)
    with pytest.raises(RuntimeConfigError, match="not in a cluster"):
        tf_config_from_kubernetes({"JOB_COMPLETION_INDEX": "4"}, service="s", replicas=2, name="j")


def test_tf_config_command(monkeypatch, capsys) -> None:
    monkeypatch.setenv("SLURM_JOB_NODELIST", "n[1-2]")
    monkeypatch.setenv("SLURM_PROCID", "1")
    assert main(["tf-config", "slurm", "--port", "2222"]) == 0
    assert json.loads(capsys.readouterr().out)["cluster"]["worker"] == ["n1:2222", "n2:2222"]
    assert main(["tf-config", "kubernetes"]) == 2
    assert "--service" in capsys.readouterr().err
