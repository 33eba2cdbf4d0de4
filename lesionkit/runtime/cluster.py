"""Which worker of a multi-worker run this process is, and ``TF_CONFIG`` built from Slurm or Kubernetes.

``tf.distribute.MultiWorkerMirroredStrategy`` learns the cluster from the ``TF_CONFIG``
environment variable: every worker lists the same ``cluster`` and its own ``task``. This
module reads and writes that JSON without TensorFlow, so the Trainer can decide who writes
the run directory, and a launch script can build the variable from the scheduler's own
environment (``lesionkit tf-config`` prints it; ``docs/scaling.md``).

Example:
    >>> cfg = tf_config(["node1:12345", "node2:12345"], index=1)
    >>> role = worker_role("multi_worker_mirrored", {"TF_CONFIG": cfg})
    >>> role.task_index, role.num_workers, role.is_chief
    (1, 2, False)
    >>> worker_role("default", {"TF_CONFIG": cfg}).is_chief  # TF_CONFIG only matters to multi-worker runs
    True
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from lesionkit.runtime.errors import RuntimeConfigError

#: The strategy name that reads ``TF_CONFIG``.
MULTI_WORKER = "multi_worker_mirrored"
#: The port workers listen on when none is given (any free port works; all workers must agree).
DEFAULT_PORT = 12345


class WorkerRole(NamedTuple):
    """This process's place in a run: task type and index, how many workers, and whether it is the chief.

    The chief is the ``"chief"`` task, or worker 0 when the cluster has no chief (TensorFlow's rule).
    Only the chief writes the run directory.
    """

    task_type: str = "worker"
    task_index: int = 0
    num_workers: int = 1
    is_chief: bool = True

    @property
    def is_multi_worker(self) -> bool:
        """Whether more than one process trains together (and so must agree before writing)."""
        return self.num_workers > 1


def parse_tf_config(text: str) -> dict[str, Any]:
    """``TF_CONFIG`` as a dict, checked for the parts lesionkit reads.

    Raises:
        RuntimeConfigError: not JSON, or without ``cluster``/``task``, or a task not in the cluster.
    """
    example = '{"cluster": {"worker": ["host0:port", "host1:port"]}, "task": {"type": "worker", "index": 0}}'
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # TensorFlow would fail later with a less helpful message.
        raise RuntimeConfigError(f"TF_CONFIG is not valid JSON ({exc}); it should look like {example}") from None
    try:
        cluster, task = data["cluster"], data["task"]
        kind, index = str(task["type"]), int(task["index"])
        members = cluster[kind]
    except (KeyError, TypeError, ValueError):
        raise RuntimeConfigError(
            f"TF_CONFIG {text!r} needs a cluster with a list of workers and a task with a type and an "
            f"index in it; it should look like {example}"
        ) from None
    if not isinstance(members, list) or not 0 <= index < len(members):
        raise RuntimeConfigError(
            f"TF_CONFIG task {kind}:{index} is not in its cluster ({kind}: {members!r}); "
            f"each worker's index must be its position in the cluster's list"
        )
    return dict(data)


def worker_role(distribute: str, environ: Mapping[str, str] | None = None) -> WorkerRole:
    """The role of this process in a run with strategy ``distribute``, from ``TF_CONFIG`` in ``environ``.

    Every strategy but ``"multi_worker_mirrored"``, and that one without ``TF_CONFIG``, is one
    chief worker.

    Raises:
        RuntimeConfigError: an unusable ``TF_CONFIG`` (see :func:`parse_tf_config`).
    """
    text = (os.environ if environ is None else environ).get("TF_CONFIG", "")
    if distribute != MULTI_WORKER or not text.strip():
        return WorkerRole()
    data = parse_tf_config(text)
    cluster, task = data["cluster"], data["task"]
    kind, index = str(task["type"]), int(task["index"])
    trainers = len(cluster.get("chief", [])) + len(cluster.get("worker", []))
    chief = kind == "chief" or (kind == "worker" and index == 0 and not cluster.get("chief"))
    return WorkerRole(kind, index, max(trainers, 1), chief)


def tf_config(hosts: Sequence[str], index: int) -> str:
    """``TF_CONFIG`` of worker ``index`` in a cluster of ``hosts`` (``"host:port"``, the same list everywhere).

    Example:
        >>> tf_config(["a:1", "b:1"], 0)
        '{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 0}}'
    """
    if not 0 <= index < len(hosts):
        raise RuntimeConfigError(f"worker index {index} is not in a cluster of {len(hosts)} hosts {list(hosts)!r}")
    return json.dumps({"cluster": {"worker": list(hosts)}, "task": {"type": "worker", "index": index}})


def expand_hostlist(hostlist: str) -> list[str]:
    """Host names of a Slurm host list (``SLURM_JOB_NODELIST``), as ``scontrol show hostnames`` prints them.

    Handles comma-separated names and bracket ranges with zero padding; on a cluster,
    ``scontrol show hostnames`` is the reference.

    Example:
        >>> expand_hostlist("gpu[01-03,7],login1")
        ['gpu01', 'gpu02', 'gpu03', 'gpu7', 'login1']
    """
    hosts: list[str] = []
    for prefix, ranges, rest in re.findall(r"([^,\[]*)(?:\[([^\]]*)\])?([^,]*),?", hostlist):
        if not (prefix or ranges or rest):
            continue
        if not ranges:
            hosts.append(prefix + rest)
            continue
        for part in ranges.split(","):
            low, _, high = part.partition("-")
            if not low.isdigit() or (high and not high.isdigit()):
                raise RuntimeConfigError(f"cannot read the Slurm host list {hostlist!r} (range {part!r})")
            for number in range(int(low), int(high or low) + 1):
                hosts.append(f"{prefix}{number:0{len(low)}d}{rest}")
    if not hosts:
        raise RuntimeConfigError(f"the Slurm host list {hostlist!r} names no host")
    return hosts


def tf_config_from_slurm(environ: Mapping[str, str], *, port: int = DEFAULT_PORT) -> str:
    """``TF_CONFIG`` of this Slurm task: one worker per node (``srun --ntasks-per-node=1``).

    Reads ``SLURM_JOB_NODELIST`` (or ``SLURM_NODELIST``) and ``SLURM_PROCID``.

    Example:
        >>> tf_config_from_slurm({"SLURM_JOB_NODELIST": "n[1-2]", "SLURM_PROCID": "1"}, port=2222)
        '{"cluster": {"worker": ["n1:2222", "n2:2222"]}, "task": {"type": "worker", "index": 1}}'

    Raises:
        RuntimeConfigError: a variable is missing (not inside ``srun``?), or more tasks than nodes.
    """
    nodelist = environ.get("SLURM_JOB_NODELIST") or environ.get("SLURM_NODELIST")
    procid = environ.get("SLURM_PROCID")
    if not nodelist or procid is None or not procid.isdigit():
        raise RuntimeConfigError(
            "SLURM_JOB_NODELIST and SLURM_PROCID are not set: run this inside `srun` "
            "(one task per node: srun --ntasks-per-node=1)"
        )
    hosts = [f"{host}:{port}" for host in expand_hostlist(nodelist)]
    if int(procid) >= len(hosts):
        raise RuntimeConfigError(
            f"SLURM_PROCID={procid} but the job has {len(hosts)} nodes: lesionkit runs one worker per node "
            f"(srun --ntasks-per-node=1); for several GPUs of one node use distribute='mirrored' in each"
        )
    return tf_config(hosts, int(procid))


def tf_config_from_kubernetes(
    environ: Mapping[str, str], *, service: str, replicas: int, port: int = DEFAULT_PORT, name: str | None = None
) -> str:
    """``TF_CONFIG`` of this pod of an indexed Job (or StatefulSet) behind the headless ``service``.

    The pods are ``<name>-0 … <name>-<replicas-1>`` (an indexed Job's or a StatefulSet's pod
    host names), reachable as ``<name>-<i>.<service>`` (an indexed Job needs
    ``subdomain: <service>`` in its pod template); the index comes from
    ``JOB_COMPLETION_INDEX`` (indexed Jobs) or the ordinal at the end of ``HOSTNAME``
    (StatefulSets), and ``name`` defaults to ``HOSTNAME`` without that ordinal.

    Example:
        >>> env = {"JOB_COMPLETION_INDEX": "0", "HOSTNAME": "train-0"}
        >>> tf_config_from_kubernetes(env, service="train", replicas=2)
        '{"cluster": {"worker": ["train-0.train:12345", "train-1.train:12345"]}, "task": {"type": "worker", "index": 0}}'

    Raises:
        RuntimeConfigError: no index in the environment, or an index outside ``replicas``.
    """
    hostname = environ.get("HOSTNAME", "")
    index_text = environ.get("JOB_COMPLETION_INDEX")
    ordinal = re.fullmatch(r"(.+)-(\d+)", hostname)
    if index_text is None and ordinal:
        index_text = ordinal.group(2)
    if index_text is None or not index_text.isdigit():
        raise RuntimeConfigError(
            f"no pod index: JOB_COMPLETION_INDEX is not set and HOSTNAME={hostname!r} does not end in '-<ordinal>'; "
            f"use an indexed Job (completionMode: Indexed) or a StatefulSet"
        )
    if name is None:
        if not ordinal:
            raise RuntimeConfigError(f"HOSTNAME={hostname!r} does not end in '-<ordinal>'; pass the pods' name")
        name = ordinal.group(1)
    hosts = [f"{name}-{i}.{service}:{port}" for i in range(replicas)]
    return tf_config(hosts, int(index_text))
