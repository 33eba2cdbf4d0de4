"""The build-once cache: built once, reused, rebuilt on change (only then), atomic, bad files listed."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import lesionkit.data.loading.cache as cache
from lesionkit.data.loading.cache import build_cache, cache_entry, cached_images, load_cache
from lesionkit.errors import DataError


@pytest.fixture
def images(tmp_path: Path, jpeg_writer) -> list[Path]:
    paths = [tmp_path / "src" / f"ISIC_{i}.jpg" for i in range(5)]
    for i, p in enumerate(paths):
        jpeg_writer(p, i, (64 + 8 * i, 48))
    return paths


def test_built_once_then_reused(images: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = cached_images(images, 32, tmp_path / "c", name="t", progress=False)
    assert out.shape == (5, 32, 32, 3) and out.dtype == np.uint8
    calls = []
    monkeypatch.setattr(cache, "_decode_all", lambda *a, **k: calls.append(a) or (_ for _ in ()).throw(AssertionError))
    np.testing.assert_array_equal(cached_images(images, 32, tmp_path / "c", name="t", progress=False), out)
    assert not calls


def test_key_changes_only_with_sources_or_size(images: list[Path], tmp_path: Path) -> None:
    first = build_cache(images, 32, tmp_path / "c", name="t", progress=False, shard_size=2)
    assert sorted(p.name for p in first.iterdir()) == [
        "index.json",
        "shard-00000.npy",
        "shard-00001.npy",
        "shard-00002.npy",
    ]
    assert cache_entry(images, 32, tmp_path / "c", name="t") == first
    other_size = build_cache(images, 48, tmp_path / "c", name="t", progress=False)
    assert other_size != first and first.exists()  # another size is another entry, both kept
    st = images[0].stat()
    os.utime(images[0], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    rebuilt = build_cache(images, 32, tmp_path / "c", name="t", progress=False)
    assert rebuilt != first and not first.exists()  # stale entry of the same size removed
    assert other_size.exists()
    assert len(load_cache(rebuilt)) == 5


def test_bad_images_listed_and_nothing_cached(images: list[Path], tmp_path: Path) -> None:
    images[1].write_bytes(b"")
    images[3].write_bytes(images[3].read_bytes()[:100])
    with pytest.raises(DataError, match="2 image\\(s\\) of t could not be decoded") as info:
        build_cache(images, 32, tmp_path / "c", name="t", progress=False)
    assert "ISIC_1.jpg" in str(info.value) and "ISIC_3.jpg" in str(info.value)
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())


def test_interrupted_build_leaves_no_entry(images: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "save", boom)
    with pytest.raises(KeyboardInterrupt):
        build_cache(images, 32, tmp_path / "c", name="t", progress=False)
    assert list((tmp_path / "c").iterdir()) == []


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LESIONKIT_CACHE", str(tmp_path / "lc"))
    assert cache.default_cache_dir() == tmp_path / "lc"
    monkeypatch.delenv("LESIONKIT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.default_cache_dir() == tmp_path / "xdg" / "lesionkit"


def test_a_build_says_what_it_cached_and_where(images: list[Path], tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    entry = build_cache(images, 32, tmp_path / "c", name="demo", progress=True)
    err = capsys.readouterr().err
    assert "cached 5 images of demo at 32px" in err and str(entry) in err
    build_cache(images, 32, tmp_path / "c", name="demo", progress=True)
    assert "cached" not in capsys.readouterr().err  # reused: nothing built, nothing said
