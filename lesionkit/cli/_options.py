"""Options shared by commands that build a Trainer (``fit``, ``demo``...)."""

from __future__ import annotations

import argparse
import ast
import json
from typing import Any

from lesionkit.cli import CommandError
from lesionkit.evaluation.stats.defaults import DEFAULT_RESAMPLES


def add_override_options(parser: argparse.ArgumentParser, *, run_dir: bool = True) -> None:
    """The common ExperimentConfig overrides as flags, plus ``--set KEY=VALUE``.

    ``run_dir=False`` leaves out ``--run-dir``, for a command that makes its run directories itself.
    """
    parser.add_argument("--dataset", help="dataset registry name, e.g. isic2017, synthetic, folder")
    parser.add_argument("--data-dir", help="dataset root directory")
    parser.add_argument(
        "--extra-data-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="folder of the joint dataset's extra dataset (repeat for each, in order), e.g. HAM10000's",
    )
    parser.add_argument("--cache-dir", help="where resized images are cached")
    parser.add_argument("--image-size", type=int, help="square input size in pixels (>= 32)")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument(
        "--weights",
        help="'imagenet', 'none' (from scratch), a weights file, or a run directory / .keras file to take the backbone from",
    )
    if run_dir:
        parser.add_argument("--run-dir", help="directory for checkpoints, logs and reports")
    parser.add_argument("--seed", type=int)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other config field, or one value inside a component (--set schedule.params.warmup_epochs=0); "
        "VALUE is JSON or a Python literal where it parses, else text (e.g. --set learning_rate=0.001)",
    )


def overrides_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The config overrides named on the command line."""
    out: dict[str, Any] = {}
    for key in ("dataset", "data_dir", "cache_dir", "image_size", "epochs", "batch_size", "run_dir", "seed"):
        value = getattr(args, key, None)
        if value is not None:
            out[key] = value
    if getattr(args, "weights", None) is not None:
        out["weights"] = None if args.weights.lower() == "none" else args.weights
    for item in getattr(args, "set", []) or []:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise CommandError(f"--set {item!r}: write KEY=VALUE, e.g. --set learning_rate=0.001")
        out[key.strip()] = parse_set_value(key.strip(), raw)
    return out


#: How a value that was meant to be structured (not a plain word) starts.
_STRUCTURED_START = ("{", "[", "(", '"', "'")


def parse_set_value(key: str, raw: str) -> Any:
    """``--set KEY=VALUE``'s value: JSON, else a Python literal, else the text itself (a name, a path).

    A value that starts like a structure (``{``, ``[``, a quote) must parse: a typo there would
    otherwise become a string and fail much later, or not at all.

    Example:
        >>> parse_set_value("loss", "{'name': 'focal', 'params': {'gamma': 2}}")
        {'name': 'focal', 'params': {'gamma': 2}}
        >>> parse_set_value("dataset", "folder"), parse_set_value("learning_rate", "1e-3")
        ('folder', 0.001)
    """
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        json_error = exc
    try:
        value = ast.literal_eval(raw.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        value = _NOT_A_LITERAL
    if value is not _NOT_A_LITERAL and _plain_data(value):
        return _as_json_data(value)
    if raw.strip().startswith(_STRUCTURED_START):
        raise CommandError(
            f"--set {key}={raw}: the value looks structured but is neither JSON ({json_error.msg} at column "
            f"{json_error.colno}) nor a Python literal; check its brackets and quotes and quote the whole "
            f'argument for the shell, e.g. --set \'loss={{"name": "focal", "params": {{"gamma": 2}}}}\''
        )
    return raw


_NOT_A_LITERAL = object()


def _plain_data(value: Any) -> bool:
    """Whether ``value`` is JSON-like data (what a config holds), not a set, bytes or complex number."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain_data(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_data(v) for k, v in value.items())
    return False


def _as_json_data(value: Any) -> Any:
    """Tuples as lists, as JSON would give them."""
    if isinstance(value, (list, tuple)):
        return [_as_json_data(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_json_data(v) for k, v in value.items()}
    return value


def extra_data_dirs_override(dataset: Any, dirs: list[str]) -> dict[str, Any]:
    """The ``dataset`` value that gives a ``joint`` dataset's extra datasets the folders ``dirs``, in order.

    Example:
        >>> extra_data_dirs_override({"name": "joint", "params": {"extra": ["ham10000"]}}, ["/data/ham"])
        {'name': 'joint', 'params': {'extra': [{'name': 'ham10000', 'params': {'data_dir': '/data/ham'}}]}}
    """
    from lesionkit.config import ComponentSpec

    spec = ComponentSpec.from_dict(dataset, path="dataset")
    if spec.name != "joint":
        raise CommandError(
            f"--extra-data-dir is for the joint dataset (extra training images); this config's dataset is {spec.name!r}"
        )
    extra = list(spec.params.get("extra", ["ham10000"]))  # the joint factory's default
    if len(dirs) > len(extra):
        raise CommandError(
            f"{len(dirs)} --extra-data-dir given, but the joint dataset has {len(extra)} extra dataset(s)"
        )
    items = []
    for index, item in enumerate(extra):
        one = ComponentSpec.from_dict(item, path=f"dataset.params.extra[{index}]")
        params = dict(one.params)
        if index < len(dirs):
            params["data_dir"] = dirs[index]
        items.append({"name": one.name, "params": params})
    return {"name": "joint", "params": {**spec.params, "extra": items}}


def add_bootstrap_option(parser: argparse.ArgumentParser) -> None:
    """``--bootstrap N``: resamples of a report's intervals, as ``evaluate`` and ``ensemble`` take it."""
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=DEFAULT_RESAMPLES,
        metavar="N",
        help=f"stratified-bootstrap resamples of the 95%% intervals (default {DEFAULT_RESAMPLES}; 0 = none)",
    )


def bootstrap_from_args(args: argparse.Namespace) -> int:
    """The ``--bootstrap`` given, if it is a usable number of resamples."""
    if args.bootstrap < 0:
        raise CommandError(f"--bootstrap {args.bootstrap}: give a number of resamples >= 0 (0 = no intervals)")
    return int(args.bootstrap)
