"""lesionkit validate on HAM10000, ISIC 2018 and ISIC 2019 layouts, and layout detection with stray files."""

from __future__ import annotations

from pathlib import Path

import pytest
from release_layouts import HAM_ROWS, make_ham_layout, make_isic2018_layout

from lesionkit.cli import main
from lesionkit.data.sources.base import UnknownLayoutError, detect_dataset, validate_dataset
from lesionkit.data.sources.isic2017 import validate_isic2017

# What `lesionkit validate` printed for the default ISIC 2017 test layout before HAM10000 and
# ISIC 2018/2019 were added: the ISIC 2017 output must not change.
ISIC2017_SUMMARY = """\
counts (found/official):
split                          nevus                melanoma    seborrheic_keratosis                   total
train                       3/1372 !                 2/374 !                 1/254 !                6/2000 !
validation                    1/78 !                  1/30 !                  1/42 !                 3/150 !
test                         1/393 !                 1/117 !                  1/90 !                 3/600 !
no problems found"""


def test_isic2017_output_unchanged(isic_dir: Path) -> None:
    summary = validate_isic2017(isic_dir, progress=False).summary()
    assert summary == f"{isic_dir}: 12 images checked\n{ISIC2017_SUMMARY}"


def test_stray_labels_csv_keeps_isic2017_detected(isic_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (isic_dir / "labels.csv").write_text("image_id,diagnosis\nISIC_0000000,nevus\n")
    assert detect_dataset(isic_dir) == "isic2017"
    assert main(["validate", str(isic_dir), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "12 images checked" in out  # not 0 images of a folder dataset
    assert f"{isic_dir / 'labels.csv'}: not part of the layout; ignored" in out and "--dataset folder" in out
    assert "1 warning(s)" in out and "no problems found" in out


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda root: make_ham_layout(root), "ham10000"),
        (lambda root: make_isic2018_layout(root), "isic2018"),
    ],
)
def test_detection_of_each_release(tmp_path: Path, make, kind: str) -> None:
    root = make(tmp_path / kind)
    (root / "labels.csv").write_text("image_id,diagnosis\n")
    assert detect_dataset(root) == kind


def test_detection_of_isic2019_and_folders(isic2019_dir: Path, tmp_path: Path, jpeg_writer) -> None:
    assert detect_dataset(isic2019_dir) == "isic2019"
    jpeg_writer(tmp_path / "mine" / "melanoma" / "a.jpg", 0)
    assert detect_dataset(tmp_path / "mine") == "folder"
    (tmp_path / "empty").mkdir()
    with pytest.raises(UnknownLayoutError, match="no dataset layout recognised"):
        detect_dataset(tmp_path / "empty")


def test_validate_on_an_unknown_folder_names_the_layouts_it_looked_for(tmp_path: Path, jpeg_writer, capsys) -> None:  # type: ignore[no-untyped-def]
    jpeg_writer(tmp_path / "odd" / "images" / "a.jpg", 0)
    (tmp_path / "odd" / "notes.txt").write_text("")
    assert main(["validate", str(tmp_path / "odd"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "no dataset layout recognised" in err and "0 images checked" not in err
    for looked_for in (
        "HAM10000_metadata.csv",
        "ISIC-2017_",
        "ISIC2018_Task3_",
        "ISIC_2019_Training_Input",
        "labels.csv",
    ):
        assert looked_for in err
    assert "It holds images/, notes.txt" in err
    assert main(["validate", str(tmp_path / "odd"), "--dataset", "joint"]) == 2
    assert "no dataset source 'joint'" in capsys.readouterr().err


def test_task_table_on_ham10000(ham_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(ham_dir), "--no-progress", "--no-audit", "--task", "dx7"]) == 0
    out = capsys.readouterr().out
    table = out[out.index("task dx7: training images per class") :]
    assert "basal_cell_carcinoma" in table and "no class" not in table


def test_ham10000_counts_per_split_and_diagnosis(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_ham_layout(tmp_path / "ham", without_images=(12,))
    (root / "notes.txt").write_text("mine")
    report = validate_dataset(root, "ham10000", progress=False)
    assert report.ok, report.problems
    assert report.images_checked == len(HAM_ROWS) - 1
    assert sum(sum(c.values()) for c in report.counts.values()) == len(HAM_ROWS) - 1
    totals: dict[str, int] = {}
    for counts in report.counts.values():
        for name, n in counts.items():
            totals[name] = totals.get(name, 0) + n
    assert totals == {
        "nevus": 5,
        "melanoma": 2,
        "basal_cell_carcinoma": 1,
        "actinic_keratosis": 1,
        "benign_keratosis": 1,
        "dermatofibroma": 1,
        "vascular_lesion": 2,
    }
    assert any("1 row(s) have no image" in w for w in report.warnings)
    assert any("notes.txt: not part of the layout" in w for w in report.warnings)
    assert main(["validate", str(root), "--no-progress", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "splits: drawn by lesion_id, seed 3" in out and "vascular_lesion" in out and "no problems found" in out
    assert "seborrheic_keratosis" not in out  # only the diagnoses that occur


def test_ham10000_bad_image_and_row(ham_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = next((ham_dir / "HAM10000_images_part_1").glob("*.jpg"))
    bad.write_bytes(bad.read_bytes()[:50])
    csv = ham_dir / "HAM10000_metadata.csv"
    csv.write_text(csv.read_text() + "HAM_9,ISIC_0024999,wart,histo,,,\n")
    assert main(["validate", str(ham_dir), "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "2 problem(s)" in out and bad.name in out and "dx='wart'" in out


def test_lesion_shared_by_official_splits_is_reported(tmp_path: Path) -> None:
    root = make_isic2018_layout(
        tmp_path / "s", {"Training": [("NV", "a"), ("MEL", "b")], "Validation": [("NV", "a"), ("BCC", "c")]}
    )
    report = validate_dataset(root, "isic2018", progress=False)
    assert report.ok and report.splits == "official train, validation"
    assert any(
        "1 lesion id(s) have images in more than one split: HAM_a (train/validation)" in w for w in report.warnings
    )
    assert report.counts["validation"] == {"nevus": 1, "basal_cell_carcinoma": 1}


def test_isic2018_carved_validation_and_split_filter(isic2018_dir: Path) -> None:
    report = validate_dataset(isic2018_dir, "isic2018", splits=("validation",), decode=False, progress=False)
    assert list(report.counts) == ["validation"] and report.images_checked == 0
    assert "validation carved from training by lesion_id, seed 0 (train 0.85, validation 0.15)" in report.splits
    assert not any("more than one split" in w for w in report.warnings)


def test_isic2019_unknown_shown_and_broken_ground_truth(isic2019_dir: Path) -> None:
    report = validate_dataset(isic2019_dir, "isic2019", progress=False)
    assert report.ok and "unknown" in report.columns and "squamous_cell_carcinoma" in report.columns
    (isic2019_dir / "ISIC_2019_Training_GroundTruth.csv").write_text("image,MEL\n")
    broken = validate_dataset(isic2019_dir, "isic2019", progress=False)
    assert not broken.ok and "lacks column(s) NV" in broken.problems[0]


def test_missing_folder_and_unknown_kind(tmp_path: Path) -> None:
    from lesionkit.errors import DataNotFoundError

    with pytest.raises(DataNotFoundError, match="lesionkit download ham10000"):
        validate_dataset(tmp_path / "nope", "ham10000")
    with pytest.raises(KeyError, match="no dataset source 'synthetic'"):
        validate_dataset(tmp_path, "synthetic")
