"""``lesionkit tf-config slurm|kubernetes``: print this worker's ``TF_CONFIG`` from the scheduler's environment."""

from __future__ import annotations

import argparse
import os


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tf-config",
        help="print TF_CONFIG for a multi-worker run, built from Slurm's or Kubernetes's environment",
        description="Print this worker's TF_CONFIG (see docs/scaling.md), e.g. "
        "export TF_CONFIG=$(lesionkit tf-config slurm)",
    )
    p.add_argument("scheduler", choices=("slurm", "kubernetes"))
    p.add_argument("--port", type=int, default=None, help="port every worker listens on (default 12345)")
    p.add_argument("--service", help="kubernetes: the headless service in front of the pods")
    p.add_argument("--replicas", type=int, help="kubernetes: number of pods (workers)")
    p.add_argument("--name", help="kubernetes: the pods' name without '-<index>' (default: from HOSTNAME)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.cli import CommandError
    from lesionkit.runtime.cluster import DEFAULT_PORT, tf_config_from_kubernetes, tf_config_from_slurm

    port = DEFAULT_PORT if args.port is None else args.port
    if args.scheduler == "slurm":
        print(tf_config_from_slurm(os.environ, port=port))
        return 0
    if not args.service or not args.replicas:
        raise CommandError("tf-config kubernetes needs --service (the headless service) and --replicas (the pods)")
    print(
        tf_config_from_kubernetes(os.environ, service=args.service, replicas=args.replicas, port=port, name=args.name)
    )
    return 0
