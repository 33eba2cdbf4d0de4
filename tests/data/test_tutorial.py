"""docs/tutorial.md, run: every console command of the page, in order, on a tiny ISIC 2017 layout.

The commands are read from the page, so the page cannot drift from the command line. Only
what makes them tiny is changed: the download is replaced by a synthetic copy of its layout,
and the 15-minute training by one epoch at 32 px.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

import lesionkit.cli as cli

PAGE = Path(__file__).resolve().parents[2] / "docs" / "tutorial.md"
TINY_FIT = ["--epochs", "1", "--image-size", "32", "--batch-size", "4"]


def tutorial_commands() -> list[list[str]]:
    """The ``$ lesionkit ...`` lines of the page's console blocks, split as a shell would."""
    blocks = re.findall(r"```console\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    lines = [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ lesionkit ")]
    return [shlex.split(line)[1:] for line in lines]


def test_the_page_walks_from_download_to_an_exported_model() -> None:
    steps = [argv[0] for argv in tutorial_commands()]
    assert steps == ["download", "validate", "presets", "fit", "evaluate", "predict", "score", "export"]


def test_every_command_of_the_tutorial_runs(
    tmp_path: Path,
    isic_layout: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    data = isic_layout(tmp_path / "isic2017", {"train": [0, 1, 2] * 4, "validation": [0, 1, 2], "test": [0, 1, 2, 1]})
    outputs = {}
    for argv in tutorial_commands():
        argv = [arg.replace("~/data/isic2017", str(data)) for arg in argv]
        if argv[0] == "download":
            assert argv[-1] == str(data)  # the layout download writes, made above instead
            continue
        if argv[0] == "fit":
            at = argv.index("--minutes")
            argv = [*argv[:at], *argv[at + 2 :], *TINY_FIT, "--cache-dir", str(tmp_path / "cache")]
        assert cli.main(argv) == 0, f"lesionkit {shlex.join(argv)}: {capsys.readouterr().err}"
        outputs[argv[0]] = capsys.readouterr().out
    run = tmp_path / "runs" / "first"
    header = (tmp_path / "submission.csv").read_text().splitlines()[0].split(",")
    checks = {
        "test report (the recipe's 8 TTA views)": (run / "reports" / "test-tta8" / "metrics.json").is_file(),
        "model card": (run / "model_card.md").is_file(),
        "submission columns": header[0] == "image_id" and {"melanoma", "seborrheic_keratosis"} <= set(header),
        "score's ranking metric": "mean" in outputs["score"].lower() and "auc" in outputs["score"].lower(),
        "exported model": (tmp_path / "first.keras").is_file(),
        "exported model card": (tmp_path / "first.model_card.md").is_file(),
    }
    found = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if "cache" not in p.parts)
    assert all(checks.values()), f"failed: {[k for k, ok in checks.items() if not ok]}; files: {found}"
