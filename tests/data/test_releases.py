"""Downloading HAM10000, ISIC 2018 and ISIC 2019 from the loopback server of test_download.py, never the network."""

from __future__ import annotations

import hashlib
import io
import json
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_download import Server, _jpeg

from lesionkit.cli import main
from lesionkit.data.fetch.download import ChecksumError
from lesionkit.data.fetch.releases import RELEASES, dataverse_files, download_release, sha256sum
from lesionkit.data.sources.ham10000 import HAM10000
from lesionkit.data.sources.isic2018 import ISIC2018
from lesionkit.data.sources.isic2019 import ISIC2019
from lesionkit.errors import DataError


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def _one_hot(columns: tuple[str, ...], rows: list[tuple[str, str]]) -> bytes:
    lines = ["image," + ",".join(columns)] + [
        ",".join([i] + ["1.0" if c == label else "0.0" for c in columns]) for i, label in rows
    ]
    return ("\n".join(lines) + "\n").encode()


COLS_2019 = ("MEL", "NV", "BCC", "AK", "BKL", "DF", "VASC", "SCC", "UNK")
COLS_2018 = ("MEL", "NV", "BCC", "AKIEC", "BKL", "DF", "VASC")


def _isic2019_files() -> dict[str, bytes]:
    ids = [f"ISIC_000000{k}" for k in range(4)]
    top = "ISIC_2019_Training_Input"
    return {
        "ISIC_2019_Training_Input.zip": _zip(
            {f"{top}/{i}.jpg": _jpeg(k) for k, i in enumerate(ids)} | {f"{top}/LICENSE.txt": b"CC-BY-NC"}
        ),
        "ISIC_2019_Training_GroundTruth.csv": _one_hot(COLS_2019, list(zip(ids, ["NV", "MEL", "NV", "SCC"]))),
        "ISIC_2019_Training_Metadata.csv": (
            "image,age_approx,anatom_site_general,lesion_id,sex\n" + "".join(f"{i},40,head/neck,,male\n" for i in ids)
        ).encode(),
    }


def _isic2018_files() -> dict[str, bytes]:
    files = {}
    for k, (infix, labels) in enumerate(
        (("Training", ["NV", "MEL", "NV", "BKL"]), ("Validation", ["DF", "NV"]), ("Test", ["VASC"]))
    ):
        ids = [f"ISIC_00{k}{j:05d}" for j in range(len(labels))]
        stem = f"ISIC2018_Task3_{infix}"
        files[f"{stem}_Input.zip"] = _zip({f"{stem}_Input/{i}.jpg": _jpeg(j) for j, i in enumerate(ids)})
        files[f"{stem}_GroundTruth.zip"] = _zip(
            {
                f"{stem}_GroundTruth/{stem}_GroundTruth.csv": _one_hot(COLS_2018, list(zip(ids, labels))),
                f"{stem}_GroundTruth/LICENSE.txt": b"CC-BY-NC",
            }
        )
        if infix == "Training":
            files[f"{stem}_LesionGroupings.csv"] = (
                "image,lesion_id,diagnosis_confirm_type\n"
                + "".join(f"{i},HAM_{j // 2},histo\n" for j, i in enumerate(ids))
            ).encode()
    return files


@pytest.fixture
def loopback() -> Iterator[Server]:
    s = Server()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def test_isic2019_download_records_sha256_and_reads(loopback: Server, tmp_path: Path) -> None:
    loopback.files = _isic2019_files()
    to = tmp_path / "isic2019"
    download_release("isic2019", to, base_url=loopback.url, progress=False)
    assert sorted(p.name for p in (to / "ISIC_2019_Training_Input").iterdir()) == [
        ".lesionkit-complete",
        *[f"ISIC_000000{k}.jpg" for k in range(4)],
    ]  # the licence is not an image: skipped
    for name, data in loopback.files.items():
        assert (to / f"{name}.sha256").read_text() == f"{hashlib.sha256(data).hexdigest()}  {name}\n"
    marker = json.loads((to / "ISIC_2019_Training_Input" / ".lesionkit-complete").read_text())
    assert (
        marker["md5"] is None
        and marker["sha256"] == hashlib.sha256(loopback.files["ISIC_2019_Training_Input.zip"]).hexdigest()
    )
    assert not list(to.glob("*.zip")) and not list(to.glob("*.part"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the .sha256 files are not stray files
        ds = ISIC2019(to, fractions={"train": 1.0}, progress=False)
    assert ds.split("train").diagnosis.tolist() == [0, 1, 0, 8]
    seen = len(loopback.requests)
    download_release("isic2019", to, base_url=loopback.url, progress=False)
    assert len(loopback.requests) == seen  # complete: nothing fetched again


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_isic2019_changed_local_csv_is_fetched_again(loopback: Server, tmp_path: Path, change: str) -> None:
    loopback.files = _isic2019_files()
    download_release("isic2019", tmp_path, base_url=loopback.url, progress=False)
    csv = tmp_path / "ISIC_2019_Training_Metadata.csv"
    csv.write_text("edited") if change == "edit" else csv.unlink()
    seen = len(loopback.requests)
    download_release("isic2019", tmp_path, base_url=loopback.url, progress=False)
    assert [r[0] for r in loopback.requests[seen:]] == ["ISIC_2019_Training_Metadata.csv"]
    assert sha256sum(csv) == hashlib.sha256(loopback.files[csv.name]).hexdigest()


def test_isic2018_download_with_zipped_ground_truth(loopback: Server, tmp_path: Path) -> None:
    loopback.files = _isic2018_files()
    name = "ISIC2018_Task3_Training_Input.zip"
    loopback.cut[name] = 300  # interrupted once, resumed on the next run
    with pytest.raises(DataError, match="re-run to resume"):
        download_release("isic2018", tmp_path, base_url=loopback.url, progress=False)
    download_release("isic2018", tmp_path, base_url=loopback.url, progress=False)
    assert (name, "bytes=300-") in loopback.requests
    gt = tmp_path / "ISIC2018_Task3_Training_GroundTruth" / "ISIC2018_Task3_Training_GroundTruth.csv"
    assert gt.is_file() and not (gt.parent / "LICENSE.txt").exists()
    ds = ISIC2018(tmp_path, progress=False)
    assert ds.split_names() == ("train", "validation", "test") and len(ds.split("validation")) == 2


def _dataverse(loopback: Server, *, bad_md5: bool = False) -> dict[str, bytes]:
    ids = ["ISIC_0024306", "ISIC_0029306", "ISIC_0029307"]
    part1 = _zip({f"{ids[0]}.jpg": _jpeg(0)})  # flat archives, no top folder
    part2 = _zip({f"{i}.jpg": _jpeg(k) for k, i in enumerate(ids[1:])})
    metadata = (
        "lesion_id,image_id,dx,dx_type,age,sex,localization\n"
        f"HAM_0000001,{ids[0]},nv,follow_up,45.0,male,back\n"
        f"HAM_0000001,{ids[1]},nv,follow_up,45.0,male,back\n"
        f"HAM_0000002,{ids[2]},mel,histo,,unknown,unknown\n"
    ).encode()
    md5 = hashlib.md5(part1).hexdigest() if not bad_md5 else "0" * 32
    catalog = {
        "status": "OK",
        "data": {
            "latestVersion": {
                "files": [
                    {
                        "label": "HAM10000_images_part_1.zip",
                        "dataFile": {"id": 101, "filename": "HAM10000_images_part_1.zip", "md5": md5},
                    },
                    {
                        "dataFile": {
                            "id": 102,
                            "filename": "HAM10000_images_part_2.zip",
                            "checksum": {"type": "MD5", "value": hashlib.md5(part2).hexdigest()},
                        }
                    },
                    {
                        "dataFile": {
                            "id": 103,
                            "filename": "HAM10000_metadata.tab",
                            "originalFileFormat": "text/csv",
                            "md5": "f" * 32,
                        }
                    },
                    {"dataFile": {"id": 104, "filename": "ISIC2018_Task3_Test_Images.zip", "md5": "e" * 32}},
                ]
            }
        },
    }
    return {"DBW86T": json.dumps(catalog).encode(), "101": part1, "102": part2, "103?format=original": metadata}


def test_ham10000_from_the_dataverse_catalog(loopback: Server, tmp_path: Path) -> None:
    loopback.files = _dataverse(loopback)
    server = loopback.url.removesuffix("/2017/")
    to = tmp_path / "ham"
    download_release("ham10000", to, base_url=server, progress=False)
    assert (to / "HAM10000_images_part_1" / "ISIC_0024306.jpg").is_file()
    assert (to / "HAM10000_metadata.csv").read_bytes() == loopback.files["103?format=original"]
    assert (to / "HAM10000_metadata.csv.sha256").is_file()  # ingested table: not verified, recorded
    assert not (to / "HAM10000_images_part_1.zip.sha256").exists()  # verified against the published MD5
    ds = HAM10000(to, fractions={"train": 1.0}, progress=False)
    assert ds.split("train").metadata["sex"] == ("male", "male", None)
    assert ("103?format=original", None) in loopback.requests


def test_ham10000_wrong_published_md5_keeps_nothing(loopback: Server, tmp_path: Path) -> None:
    loopback.files = _dataverse(loopback, bad_md5=True)
    with pytest.raises(ChecksumError, match="HAM10000_images_part_1.zip: MD5"):
        download_release("ham10000", tmp_path, base_url=loopback.url.removesuffix("/2017/"), progress=False)
    assert not list(tmp_path.glob("HAM10000_images_part_1*"))


def test_dataverse_catalog_errors(loopback: Server) -> None:
    server = loopback.url.removesuffix("/2017/")
    with pytest.raises(DataError, match="HTTP 404"):
        dataverse_files(server, "doi:10.7910/DVN/DBW86T", ["a.zip"])
    loopback.files = {"DBW86T": b"<html>maintenance</html>"}
    with pytest.raises(DataError, match="not a Dataverse dataset catalog"):
        dataverse_files(server, "doi:10.7910/DVN/DBW86T", ["a.zip"])
    loopback.files = {"DBW86T": json.dumps({"data": {"latestVersion": {"files": []}}}).encode()}
    with pytest.raises(DataError, match="lists no a.zip"):
        dataverse_files(server, "doi:10.7910/DVN/DBW86T", ["a.zip"])


def test_cli_download_and_list(loopback: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loopback.files = _isic2019_files()
    args = ["download", "isic2019", "--to", str(tmp_path / "d"), "--base-url", loopback.url, "--no-progress"]
    assert main(args) == 0
    assert "ISIC 2019 ready in" in capsys.readouterr().out
    assert main(["download", "--list"]) == 0
    out = capsys.readouterr().out
    assert "ISIC2018_Task3_Training_LesionGroupings.csv  no published checksum (SHA-256 recorded)" in out
    assert "HAM10000_images_part_1.zip  MD5 from the Dataverse catalog" in out
    assert "ISIC-2017_Training_Data.zip  MD5 a14a7e622c67a358797ae59abb8a0b0c" in out
    assert main(["download", "isic2018"]) == 2
    with pytest.raises(KeyError, match="releases: ham10000"):
        download_release("isic2020", tmp_path)
    assert set(RELEASES) == {"ham10000", "isic2018", "isic2019"}
