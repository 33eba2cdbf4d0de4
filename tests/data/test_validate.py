"""lesionkit validate: every problem listed with its file or row; counts beside the official ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from lesionkit.cli import main
from lesionkit.data.sources.isic2017 import validate_isic2017


def test_clean_folder_is_ok(isic_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = validate_isic2017(isic_dir, progress=False)
    assert report.ok, report.problems
    assert report.counts["train"] == {"nevus": 3, "melanoma": 2, "seborrheic_keratosis": 1}
    assert report.images_checked == 12
    assert main(["validate", str(isic_dir), "--no-progress", "--task", "melanoma"]) == 0
    out = capsys.readouterr().out
    assert "no problems found" in out
    assert "3/1372 !" in out  # found/official, flagged as different
    assert "nevus" in out and "paper" in out


def test_every_problem_is_listed(isic_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = isic_dir / "ISIC-2017_Training_Data"
    (train / "ISIC_0000001.jpg").write_bytes(b"")  # zero bytes
    (train / "ISIC_0000002.jpg").unlink()  # CSV row without image
    Image.new("RGB", (8, 8)).save(train / "ISIC_0000099.jpg")  # image without CSV row
    Image.new("RGB", (8, 8)).save(train / "ISIC_0000003.jpg", format="PNG")  # handled: a note
    gt = isic_dir / "ISIC-2017_Validation_Part3_GroundTruth.csv"
    gt.write_bytes(gt.read_bytes() + b"ISIC_0000006,1.0,1.0\r\nISIC_0000042,2,0\r\n")
    report = validate_isic2017(isic_dir, progress=False)
    text = "\n".join(report.problems)
    assert "ISIC_0000001.jpg: empty file (0 bytes)" in text
    assert "line 4: ISIC_0000002 has no image" in text
    assert "ISIC_0000099.jpg: image has no row" in text
    assert "line 5: duplicate image_id 'ISIC_0000006'" in text
    assert "line 6: ISIC_0000042 melanoma='2' is not 0 or 1" in text
    assert len(report.problems) == 5
    assert any("ISIC_0000003.jpg: PNG data under a .jpg name" in n for n in report.notes)
    assert main(["validate", str(isic_dir), "--no-progress"]) == 1
    assert "5 problem(s)" in capsys.readouterr().out


def test_missing_split_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope")]) == 2
    assert "nope: no such folder" in capsys.readouterr().err
    report = validate_isic2017(tmp_path, progress=False)
    assert not report.ok and any(
        "ISIC-2017_Training_Part3_GroundTruth.csv: ground-truth CSV missing" in p for p in report.problems
    )
    asked = validate_isic2017(tmp_path, splits=("test",), progress=False)  # asked for: a problem
    assert any("ISIC-2017_Test_v2_Part3_GroundTruth.csv: ground-truth CSV missing" in p for p in asked.problems)


def test_root_without_test_split_is_valid(isic_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    shutil.rmtree(isic_dir / "ISIC-2017_Test_v2_Data")
    (isic_dir / "ISIC-2017_Test_v2_Part3_GroundTruth.csv").unlink()
    assert main(["validate", str(isic_dir), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "no test split (ISIC-2017_Test_v2_Part3_GroundTruth.csv, ISIC-2017_Test_v2_Data/ absent)" in out
    assert "\ntest " not in out and "no problems found" in out
    (isic_dir / "ISIC-2017_Test_v2_Data").mkdir()  # half a split is still a problem
    assert main(["validate", str(isic_dir), "--no-progress", "--no-audit"]) == 1
    assert "ISIC-2017_Test_v2_Part3_GroundTruth.csv: ground-truth CSV missing" in capsys.readouterr().out


def test_task_table_follows_the_task(isic_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(isic_dir), "--no-progress", "--no-audit", "--task", "isic2017_3class"]) == 0
    out = capsys.readouterr().out
    assert "task isic2017_3class: training images per class" in out and "oversample" in out
    assert "seborrheic_keratosis           1           3   2.000" in out
    assert main(["validate", str(isic_dir), "--no-progress", "--no-audit", "--task", "dx7"]) == 0
    out = capsys.readouterr().out
    assert "no class in task dx7: seborrheic_keratosis (1); training refuses these images" in out
    assert "paper" not in out


def test_folder_dataset(tmp_path: Path, jpeg_writer, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "mine"
    for i in range(4):
        jpeg_writer(root / f"img{i}.jpg", i)
    (root / "labels.csv").write_text(
        "image_id,diagnosis,split\nimg0,nevus,train\nimg1,melanoma,train\nimg2,nevus,test\n"
    )
    assert main(["validate", str(root), "--no-progress"]) == 1  # img3 has no row
    out = capsys.readouterr().out
    assert "img3.jpg: image has no row in labels.csv" in out and "1 problem(s)" in out
    (root / "labels.csv").write_text("image_id,diagnosis\nimg0,nevus\nimg1,wart:plantar\n")
    assert main(["validate", str(root), "--dataset", "folder", "--no-progress"]) == 1
    assert "line 3: img1 diagnosis='wart:plantar'" in capsys.readouterr().out


def test_a_folder_in_its_own_taxonomy_is_counted_per_class(tmp_path: Path, jpeg_writer, capsys) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "clinic"
    for i, folder in enumerate(["naevus", "naevus", "BCC", "other benign"]):
        jpeg_writer(root / "train" / folder / f"x{i}.jpg", i)
    assert main(["validate", str(root), "--no-progress"]) == 0
    out = capsys.readouterr().out
    header, train = [line.split() for line in out.split("diagnosis:\n")[1].splitlines()[:2]]
    assert header == ["split", "nevus", "basal_cell_carcinoma", "other_benign", "total"]
    assert train == ["train", "2", "1", "1", "4"]
    grouped = "classes:benign=nevus+other_benign,malignant=basal_cell_carcinoma"
    assert main(["validate", str(root), "--no-progress", "--no-audit", "--task", grouped]) == 0
    table = capsys.readouterr().out.split(f"task {grouped}: training images per class\n")[1].splitlines()
    assert [line.split()[:2] for line in table[1:4]] == [["benign", "3"], ["malignant", "1"], ["total", "4"]]


def test_class_folders_are_recognised(tmp_path: Path, jpeg_writer, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "by_class"
    jpeg_writer(root / "train" / "melanoma" / "a.jpg", 0)
    jpeg_writer(root / "train" / "nevus" / "b.jpg", 1)
    (root / "train" / "nevus" / "c.jpg").write_bytes(b"\xff\xd8 truncated")
    assert main(["validate", str(root), "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "c.jpg" in out and "1 problem(s)" in out
    assert "train" in out and "melanoma" in out  # the counts table


def test_folder_problems_are_all_listed_with_their_file(tmp_path: Path, jpeg_writer) -> None:  # type: ignore[no-untyped-def]
    from lesionkit.data.sources.folder import validate_folder

    root = tmp_path / "many"
    jpeg_writer(root / "img0.jpg", 0)
    rows = ["image_id,diagnosis", "img0,nevus"] + [f"gone{i},nevus" for i in range(24)]
    (root / "labels.csv").write_text("\n".join(rows) + "\n")
    report = validate_folder(root, progress=False)
    assert len(report.problems) == 24  # not cut at the 20 an error message shows
    assert all(p.startswith(f"{root / 'labels.csv'}, line ") for p in report.problems)
