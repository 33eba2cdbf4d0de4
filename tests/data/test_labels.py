"""Label CSVs: BOM, CRLF, extra columns accepted; missing/duplicate rows and bad values named."""

from __future__ import annotations

from pathlib import Path

import pytest

from lesionkit.data.labels.ground_truth import read_ground_truth, read_metadata
from lesionkit.errors import DataError

HEADER = "image_id,melanoma,seborrheic_keratosis"


def _csv(tmp_path: Path, text: str, *, bom: bool = False, crlf: bool = False) -> Path:
    if crlf:
        text = text.replace("\n", "\r\n")
    path = tmp_path / "gt.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("crlf", [False, True])
def test_bom_and_line_ends(tmp_path: Path, bom: bool, crlf: bool) -> None:
    path = _csv(tmp_path, f"{HEADER}\nISIC_1,0.0,0.0\nISIC_2,1.0,0.0\nISIC_3,0,1\n\n", bom=bom, crlf=crlf)
    table = read_ground_truth(path)
    assert table.ids == ("ISIC_1", "ISIC_2", "ISIC_3")
    assert table.diagnosis.tolist() == [0, 1, 2]


def test_extra_columns_and_order(tmp_path: Path) -> None:
    path = _csv(tmp_path, "seborrheic_keratosis,site,image_id,melanoma\n1.0,back,ISIC_1,0.0\n")
    table = read_ground_truth(path)
    assert table.diagnosis.tolist() == [2] and table.extra_columns == ("site",)


@pytest.mark.parametrize(
    "body, message",
    [
        ("ISIC_1,0.0,0.0\nISIC_1,1.0,0.0\n", r"line 3: duplicate image_id 'ISIC_1' \(first on line 2\)"),
        ("ISIC_1,0.5,0.0\n", r"line 2: ISIC_1 melanoma='0.5' is not 0 or 1"),
        ("ISIC_1,yes,0.0\n", r"line 2: ISIC_1 melanoma='yes'"),
        ("ISIC_1,1.0,1.0\n", r"line 2: ISIC_1 is labelled both melanoma and seborrheic_keratosis"),
        ("ISIC_1,1.0\n", r"line 2: 2 fields, the header has 3"),
        (",1.0,0.0\n", r"line 2: empty image_id"),
    ],
)
def test_bad_rows_are_named(tmp_path: Path, body: str, message: str) -> None:
    path = _csv(tmp_path, f"{HEADER}\n{body}")
    with pytest.raises(DataError, match=message):
        read_ground_truth(path)
    lenient = read_ground_truth(path, strict=False)
    assert lenient.problems


def test_missing_column(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="lacks column.*seborrheic_keratosis"):
        read_ground_truth(_csv(tmp_path, "image_id,melanoma\nISIC_1,0\n"))


def test_empty_and_not_utf8(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="label CSV .* is empty"):
        read_ground_truth(_csv(tmp_path, ""))
    path = tmp_path / "latin.csv"
    path.write_bytes(f"{HEADER}\nISIC_\xe9,0,0\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        read_ground_truth(path)


def test_metadata(tmp_path: Path) -> None:
    path = tmp_path / "meta.csv"
    path.write_bytes(b"\xef\xbb\xbfimage_id,age_approximate,sex\r\nISIC_1,55,female\r\nISIC_2,unknown,unknown\r\n")
    meta = read_metadata(path, ("ISIC_2", "ISIC_1", "ISIC_3"))
    assert meta == {"age_approximate": (None, 55.0, None), "sex": (None, "female", None)}
    assert read_metadata(tmp_path / "none.csv", ("a",)) == {}
