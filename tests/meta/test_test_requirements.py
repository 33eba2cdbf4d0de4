"""The tests' own requirements are installed wherever the tests run.

Some tests check lesionkit against an independent implementation that only the ``test`` extra
installs (the ISIC challenge's official scorer, ``isic-challenge-scoring``). Those tests skip
without it, so that a partial install can still run the rest; this test is what keeps such a
skip from passing unnoticed: it fails when the ``test`` extra is not fully installed (as in CI,
which installs ``.[test]``).
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata

from packaging.requirements import Requirement


def extra_requirements(extra: str) -> list[Requirement]:
    """lesionkit's requirements that only ``extra`` adds (from the installed package's metadata)."""
    requirements = [Requirement(line) for line in metadata.requires("lesionkit") or []]
    return [
        r
        for r in requirements
        if r.marker is not None and r.marker.evaluate({"extra": extra}) and not r.marker.evaluate({"extra": ""})
    ]


def test_every_requirement_of_the_test_extra_is_installed() -> None:
    requirements = extra_requirements("test")
    assert "isic-challenge-scoring" in {r.name for r in requirements}
    missing = []
    for requirement in requirements:
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            missing.append(f"{requirement} (not installed)")
            continue
        if version not in requirement.specifier:
            missing.append(f"{requirement} (installed: {version})")
    assert not missing, f"install the test extra (pip install -e '.[test]'); missing: {', '.join(missing)}"


def test_the_official_isic_scorer_imports() -> None:
    """The module the ISIC 2018 cross-check uses, not only its distribution's metadata."""
    module = importlib.import_module("isic_challenge_scoring.classification")
    assert hasattr(module, "ClassificationScore")
