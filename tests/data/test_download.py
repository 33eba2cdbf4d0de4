"""The downloader against a loopback HTTP server serving small ISIC-shaped files."""

from __future__ import annotations

import hashlib
import io
import stat
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lesionkit.cli import main
from lesionkit.data.fetch.download import ChecksumError, UnsafeArchiveError, download_isic2017, extract
from lesionkit.data.sources.isic2017 import ISIC2017
from lesionkit.errors import DataError

GT_HEADER = "image_id,melanoma,seborrheic_keratosis"


def _jpeg(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


def _isic_zip(infix: str, ids: list[str]) -> bytes:
    buf = io.BytesIO()
    top = f"ISIC-2017_{infix}_Data"
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(f"{top}/", b"")
        z.writestr(
            f"{top}/{top}_metadata.csv", "image_id,age_approximate,sex\n" + "".join(f"{i},50,male\n" for i in ids)
        )
        for k, image_id in enumerate(ids):
            z.writestr(f"{top}/{image_id}.jpg", _jpeg(k))
            z.writestr(f"{top}/{image_id}_superpixels.png", b"\x89PNG fake superpixels")
    return buf.getvalue()


def _fake_isic() -> dict[str, bytes]:
    files = {}
    for k, infix in enumerate(("Training", "Validation", "Test_v2")):
        ids = [f"ISIC_{k}00000{j}" for j in range(3)]
        files[f"ISIC-2017_{infix}_Data.zip"] = _isic_zip(infix, ids)
        rows = [GT_HEADER, f"{ids[0]},0.0,0.0", f"{ids[1]},1.0,0.0", f"{ids[2]},0.0,1.0"]
        files[f"ISIC-2017_{infix}_Part3_GroundTruth.csv"] = ("\r\n".join(rows) + "\r\n").encode()
    return files


class Server:
    """Serves ``files`` with Range support; ``cut[name] = n`` drops the connection after n bytes once."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.cut: dict[str, int] = {}
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                name = self.path.rsplit("/", 1)[-1]
                rng = self.headers.get("Range")
                server.requests.append((name, rng))
                if name not in server.files:
                    self.send_error(404)
                    return
                data = server.files[name]
                start = int(rng.split("=")[1].split("-")[0]) if rng else 0
                if start >= len(data) and rng:
                    self.send_response(416)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206 if rng else 200)
                if rng:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                body = data[start:]
                if name in server.cut:
                    body = body[: server.cut.pop(name)]
                    self.wfile.write(body)
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/2017/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def checksums(self) -> dict[str, str]:
        return {name: hashlib.md5(data).hexdigest() for name, data in self.files.items()}


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    s.files = _fake_isic()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def test_download_extract_and_second_run_noop(server: Server, tmp_path: Path) -> None:
    to = tmp_path / "isic"
    download_isic2017(to, base_url=server.url, files=server.checksums(), progress=False)
    train = to / "ISIC-2017_Training_Data"
    assert sorted(p.name for p in train.iterdir()) == [
        ".lesionkit-complete",
        "ISIC-2017_Training_Data_metadata.csv",
        "ISIC_0000000.jpg",
        "ISIC_0000001.jpg",
        "ISIC_0000002.jpg",
    ]
    assert not list(to.glob("*.zip")) and not list(to.glob("*.part")) and not list(to.glob(".*tmp"))
    ds = ISIC2017(to, cache_dir=tmp_path / "cache", progress=False)
    assert ds.split("test").diagnosis.tolist() == [0, 1, 2]
    assert ds.split("train").metadata["age_approximate"] == (50.0, 50.0, 50.0)
    seen = len(server.requests)
    download_isic2017(to, base_url=server.url, files=server.checksums(), progress=False)
    assert len(server.requests) == seen  # nothing fetched again


def test_resume_after_interrupted_transfer(server: Server, tmp_path: Path) -> None:
    name = "ISIC-2017_Training_Data.zip"
    server.cut[name] = 700
    with pytest.raises(DataError, match="re-run to resume"):
        download_isic2017(tmp_path, base_url=server.url, files=server.checksums(), progress=False)
    assert not (tmp_path / name).exists()  # only the .part: nothing looks complete
    assert (tmp_path / f"{name}.part").stat().st_size == 700
    download_isic2017(tmp_path, base_url=server.url, files=server.checksums(), progress=False, keep_archives=True)
    assert (name, "bytes=700-") in server.requests
    assert (tmp_path / name).read_bytes() == server.files[name]


def test_checksum_mismatch_keeps_nothing(server: Server, tmp_path: Path) -> None:
    sums = server.checksums()
    sums["ISIC-2017_Validation_Part3_GroundTruth.csv"] = "0" * 32
    with pytest.raises(ChecksumError, match="ISIC-2017_Validation_Part3_GroundTruth.csv: MD5"):
        download_isic2017(tmp_path, base_url=server.url, files=sums, progress=False)
    assert not list(tmp_path.glob("ISIC-2017_Validation_Part3_GroundTruth.csv*"))


def test_env_var_base_url_and_cli(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import lesionkit.data.fetch.download as dl

    monkeypatch.setenv("LESIONKIT_ISIC_URL", server.url)
    monkeypatch.setattr(dl, "ISIC2017_FILES", server.checksums())
    assert main(["download", "isic2017", "--to", str(tmp_path / "d"), "--no-progress"]) == 0
    assert "ready" in capsys.readouterr().out
    assert all(r[0] for r in server.requests)


def test_http_error_is_clear(server: Server, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="HTTP 404"):
        download_isic2017(tmp_path, base_url=server.url, files={"nope.csv": "0" * 32}, progress=False)


def _zip_with(name: str, data: bytes = b"x", *, link: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("ISIC-2017_Training_Data/ISIC_0000000.jpg", _jpeg(0))
        info = zipfile.ZipInfo(name)
        if link:
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    "entry, link",
    [
        ("../evil.jpg", False),
        ("ISIC-2017_Training_Data/../../evil.jpg", False),
        ("/abs/evil.jpg", False),
        ("ISIC-2017_Training_Data/link.jpg", True),
    ],
)
def test_path_escaping_entries_refused(server: Server, tmp_path: Path, entry: str, link: bool) -> None:
    name = "ISIC-2017_Training_Data.zip"
    server.files = {name: _zip_with(entry, b"/etc/passwd" if link else b"x", link=link)}
    to = tmp_path / "inner" / "isic"
    with pytest.raises(UnsafeArchiveError, match="refusing the archive"):
        download_isic2017(to, base_url=server.url, files=server.checksums(), progress=False)
    assert not (to / "ISIC-2017_Training_Data").exists()  # nothing extracted
    assert not list(tmp_path.rglob("evil.jpg"))


def test_extract_skips_superpixels(tmp_path: Path) -> None:
    z = tmp_path / "a.zip"
    z.write_bytes(_isic_zip("Validation", ["ISIC_1"]))
    extract(z, tmp_path / "out", progress=False)
    names = sorted(p.name for p in (tmp_path / "out" / "ISIC-2017_Validation_Data").iterdir())
    assert names == ["ISIC-2017_Validation_Data_metadata.csv", "ISIC_1.jpg"]
