"""Data command flags that no other test exercises: ``validate --labels/--no-decode``, ``download --keep-archives``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_download import Server, _fake_isic

from lesionkit.cli import main


def folder_dataset(root: Path, jpeg_writer, labels: str) -> Path:  # type: ignore[no-untyped-def]
    """Three JPEGs and a truncated one, labelled in ``labels`` (not labels.csv)."""
    for i in range(3):
        jpeg_writer(root / f"img{i}.jpg", i)
    (root / "img3.jpg").write_bytes(b"\xff\xd8 truncated")
    (root / labels).write_text(
        "image_id,diagnosis,split\nimg0,nevus,train\nimg1,melanoma,train\nimg2,nevus,test\nimg3,melanoma,test\n"
    )
    return root


def test_validate_labels_names_the_label_csv(tmp_path: Path, jpeg_writer, capsys) -> None:  # type: ignore[no-untyped-def]
    root = folder_dataset(tmp_path / "mine", jpeg_writer, "ground_truth.csv")
    argv = ["validate", str(root), "--dataset", "folder", "--no-progress", "--no-audit", "--no-decode"]
    assert main(argv) == 1  # the default name is not there
    assert f"label CSV {root / 'labels.csv'} not found" in capsys.readouterr().out
    assert main([*argv, "--labels", "ground_truth.csv"]) == 0
    out = capsys.readouterr().out
    train, test = (line.split() for line in out.split("diagnosis:\n")[1].splitlines()[1:3])
    assert train[0] == "train" and train[-1] == "2" and test[0] == "test" and test[-1] == "2"


def test_validate_no_decode_checks_names_and_rows_only(tmp_path: Path, jpeg_writer, capsys) -> None:  # type: ignore[no-untyped-def]
    root = folder_dataset(tmp_path / "mine", jpeg_writer, "labels.csv")
    argv = ["validate", str(root), "--dataset", "folder", "--no-progress", "--no-audit"]
    assert main(argv) == 1  # decoding finds the truncated image
    out = capsys.readouterr().out
    assert "img3.jpg" in out and "1 problem(s)" in out
    assert main([*argv, "--no-decode"]) == 0  # names and rows are in order: the truncated file goes unseen
    assert "img3.jpg" not in capsys.readouterr().out
    # ...but a row without its image is still found without decoding.
    (root / "img2.jpg").unlink()
    assert main([*argv, "--no-decode"]) == 1
    out = capsys.readouterr().out
    assert "img2" in out and "1 problem(s)" in out


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    s.files = _fake_isic()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def test_download_keep_archives_keeps_the_verified_zips(  # type: ignore[no-untyped-def]
    server: Server, tmp_path: Path, monkeypatch, capsys
) -> None:
    import lesionkit.data.fetch.download as dl

    monkeypatch.setenv("LESIONKIT_ISIC_URL", server.url)
    monkeypatch.setattr(dl, "ISIC2017_FILES", server.checksums())
    zips = sorted(name for name in server.files if name.endswith(".zip"))
    assert len(zips) == 3
    kept, dropped = tmp_path / "kept", tmp_path / "dropped"
    assert main(["download", "isic2017", "--to", str(kept), "--no-progress", "--keep-archives"]) == 0
    assert main(["download", "isic2017", "--to", str(dropped), "--no-progress"]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in kept.glob("*.zip")) == zips
    for name in zips:  # the archives as served, byte for byte
        assert (kept / name).read_bytes() == server.files[name]
    assert list(dropped.glob("*.zip")) == []
    # Both extracted the same images either way.
    images = sorted(p.relative_to(kept).as_posix() for p in kept.rglob("*.jpg"))
    assert len(images) == 9 and images == sorted(p.relative_to(dropped).as_posix() for p in dropped.rglob("*.jpg"))
