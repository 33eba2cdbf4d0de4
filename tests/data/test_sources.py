"""Every dataset read from disk is a source: it builds, recognises, validates and describes its release."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import make_isic_layout, write_jpeg
from release_layouts import make_ham_layout, make_isic2018_layout, make_isic2019_layout

import lesionkit
from lesionkit.data.sources.base import DatasetSource, ValidateOptions, detect_dataset, get_source, sources


def make_class_folders(root: Path) -> Path:
    for i, folder in enumerate(["naevus", "naevus", "melanoma", "other_benign"] * 2):
        write_jpeg(root / folder / f"img{i}.jpg", i)
    return root


#: A tiny generated layout of each source, by its name.
LAYOUTS: dict[str, Callable[[Path], Path]] = {
    "isic2017": make_isic_layout,
    "ham10000": make_ham_layout,
    "isic2018": make_isic2018_layout,
    "isic2019": make_isic2019_layout,
    "folder": make_class_folders,
}


def test_every_dataset_read_from_disk_is_a_registered_source() -> None:
    assert sorted(s.name for s in sources()) == sorted(LAYOUTS)
    assert sources()[-1].name == "folder"  # the catch-all is asked last
    assert all(isinstance(lesionkit.datasets.get(name), DatasetSource) for name in LAYOUTS)
    assert not isinstance(lesionkit.datasets.get("synthetic"), DatasetSource)  # drawn, not read


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_a_source_recognises_validates_and_builds_its_layout(name: str, tmp_path: Path) -> None:
    root = LAYOUTS[name](tmp_path / name)
    source = get_source(name)
    assert source.recognises(root) and detect_dataset(root) == name
    # Only the catch-all folder dataset may also take it (two folders of images look like classes).
    others = [s.name for s in sources() if s.name != name and not s.catch_all and s.recognises(root)]
    assert others == [], f"{others} also claim a {name} layout"

    options = ValidateOptions(decode=False, progress=False)
    report = source.validate(root, options)
    assert report.ok, report.problems
    dataset = lesionkit.datasets.create(name, data_dir=str(root), progress=False, **source.audit_params(options))
    counted = {split: sum(counts.values()) for split, counts in report.counts.items()}
    assert counted == {split: len(dataset.split(split)) for split in counted}  # validate counts what trains

    release = source.describe_release()
    assert (release is None) == (name == "folder")
    assert release is None or release.startswith(f"{name}: ")


def test_a_source_refuses_what_is_not_its_layout(tmp_path: Path) -> None:
    make_ham_layout(tmp_path / "ham")
    assert not get_source("isic2019").recognises(tmp_path / "ham")
    (tmp_path / "empty").mkdir()
    assert not any(s.recognises(tmp_path / "empty") for s in sources())
