"""The one CSV reader: file-level errors name the file, row-level problems name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from lesionkit.data.labels.csvtable import read_csv
from lesionkit.data.labels.ground_truth import read_metadata
from lesionkit.errors import DataError, DataNotFoundError, DataWarning


class CustomError(DataError):
    pass


def _write(tmp_path: Path, data: bytes | str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_quoted_fields_blank_lines_and_spaces(tmp_path: Path) -> None:
    path = _write(tmp_path, '\n\n image_id , note \r\n\r\n"a,1"," says ""hi"" "\r\n b ,plain\r\n')
    table = read_csv(path)
    assert table.header == ("image_id", "note") and table.header_line == 3
    problems: list[str] = []
    records = list(table.records(problems))
    assert [(r.line, r.image_id, r["note"]) for r in records] == [(5, "a,1", 'says "hi"'), (6, "b", "plain")]
    assert problems == []


def test_every_bad_row_is_reported_and_skipped(tmp_path: Path) -> None:
    path = _write(tmp_path, "image_id,x\na,1\na,2\n,3\nb\nc,4,5\nd,6\n")
    problems: list[str] = []
    ids = [r.image_id for r in read_csv(path).records(problems)]
    assert ids == ["a", "d"]
    assert problems == [
        "line 3: duplicate image_id 'a' (first on line 2)",
        "line 4: empty image_id",
        "line 5: 1 fields, the header has 2",
        "line 6: 3 fields, the header has 2",
    ]


def test_file_level_errors_name_the_file_and_use_the_callers_error(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match=r"submission file .*nope\.csv does not exist"):
        read_csv(tmp_path / "nope.csv", what="submission file")
    empty = _write(tmp_path, "\n\n", "empty.csv")
    with pytest.raises(CustomError, match=r"label CSV .*empty\.csv is empty; expected a header image_id,melanoma"):
        read_csv(empty, what="label CSV", expected="image_id,melanoma", error=CustomError)
    latin = _write(tmp_path, "image_id\nISIC_\xe9\n".encode("latin-1"), "latin.csv")
    with pytest.raises(CustomError, match="is not UTF-8 text"):
        read_csv(latin, error=CustomError)
    repeated = _write(tmp_path, "image_id,a,a\n1,2,3\n", "repeated.csv")
    with pytest.raises(DataError, match=r"line 1: column\(s\) a appear more than once"):
        read_csv(repeated)
    huge = _write(tmp_path, "image_id,a\n1," + "x" * 200_000 + "\n", "huge.csv")
    with pytest.raises(DataError, match="is not a valid CSV"):
        read_csv(huge)


def test_require_names_missing_columns_and_the_header_line(tmp_path: Path) -> None:
    table = read_csv(_write(tmp_path, "\nimage_id,melanoma\nISIC_1,0\n"), what="label CSV")
    assert table.require(["image_id"]) is table
    with pytest.raises(DataError, match=r"line 2: header 'image_id,melanoma' lacks column\(s\) sk, nevus; expected X"):
        table.require(["image_id", "sk", "nevus"], expected="X")
    assert table.extra_columns(["image_id"]) == ("melanoma",)


def test_an_unreadable_metadata_file_is_a_warning_not_an_error(tmp_path: Path) -> None:
    for name, text in (("empty.csv", ""), ("no_id.csv", "age_approximate,sex\n55,female\n")):
        with pytest.warns(DataWarning, match="metadata not used"):
            assert read_metadata(_write(tmp_path, text, name), ("ISIC_1",)) == {}


def test_metadata_rows_that_do_not_parse_are_counted_in_a_warning(tmp_path: Path) -> None:
    path = _write(tmp_path, "image_id,age_approximate,sex\nISIC_1,55,female\nISIC_2,60\nISIC_1,1,male\n")
    with pytest.warns(DataWarning, match=r"2 metadata row\(s\) skipped") as caught:
        meta = read_metadata(path, ("ISIC_1", "ISIC_2"))
    assert "line 3: 2 fields" in str(caught[0].message) and "line 4: duplicate image_id 'ISIC_1'" in str(
        caught[0].message
    )
    assert meta == {"age_approximate": (55.0, None), "sex": ("female", None)}
