"""``lesionkit augment-preview`` renders a before/after grid; bad input is one clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lesionkit.cli import main


@pytest.fixture(scope="module")
def lesion_png(tmp_path_factory: pytest.TempPathFactory, lesion64: np.ndarray) -> Path:
    path = tmp_path_factory.mktemp("preview") / "lesion.png"
    Image.fromarray(lesion64[1]).save(path)
    return path


def test_preview_writes_a_grid_for_both_backends(
    lesion_png: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "grid.png"
    code = main(
        ["augment-preview", str(lesion_png), "--pipeline", "perez_j", "-n", "3", "--size", "32", "-o", str(out)]
    )
    assert code == 0 and "wrote" in capsys.readouterr().out
    with Image.open(out) as grid:
        width, height = grid.size
        pixels = np.asarray(grid.convert("RGB"))
    assert width >= 4 * 32 and height >= 2 * 32  # original + 3 views, two rows
    # the first cell of each row is the untouched original, later cells differ from it
    assert pixels.std() > 5
    assert not list(tmp_path.glob(".grid.png*"))  # no temporary file left behind


def test_preview_with_params_and_one_backend(lesion_png: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.png"
    args = [
        "augment-preview",
        str(lesion_png),
        "--pipeline",
        "affine",
        "--backend",
        "tf",
        "-n",
        "2",
        "--size",
        "32",
        "--params",
        '{"rotate": [-10, 10]}',
        "-o",
        str(out),
    ]
    assert main(args) == 0 and out.is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.png", "--pipeline", "paper_table1"], "no image at"),
        (["LESION", "--pipeline", "paper_tabel1"], "Did you mean 'paper_table1'"),
        (["LESION", "--params", "{oops"], "not valid JSON"),
        (["LESION", "--pipeline", "flip", "--params", '{"angle": 3}'], "no parameter 'angle'"),
        (["NOTIMAGE"], "not a readable image"),
    ],
)
def test_preview_errors_are_one_line(
    args: list[str], message: str, lesion_png: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "notimage.png"
    bad.write_text("hello")
    args = [str(lesion_png) if a == "LESION" else str(bad) if a == "NOTIMAGE" else a for a in args]
    assert main(["augment-preview", *args, "--size", "16", "-n", "1", "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()
