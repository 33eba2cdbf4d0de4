"""The built wheel is complete: it holds every module of the source tree and py.typed, and a
fresh virtual environment with only that wheel can ``import lesionkit`` and run ``lesionkit --help``.

The fresh environment gets the wheel without its dependencies: importing lesionkit and the
CLI's help must not need TensorFlow (or anything else), so a missing file shows up as an
ImportError here instead of on a user's machine. ``.ci/run`` passes the wheel that
``python -m build`` made in ``LESIONKIT_WHEEL``; ``LESIONKIT_WHEEL=build`` has the test build one
with pip from the tracked files. Without ``LESIONKIT_WHEEL`` (the plain test command) these tests
are skipped: building a wheel and an environment takes half a minute, and CI runs them once, on
the wheel it publishes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*cmd: str | Path, cwd: Path | None = None) -> str:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=cwd, timeout=300, check=False)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def _tracked_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know the tracked files")
    return _run("git", "ls-files", "-z", cwd=ROOT).strip("\0").split("\0")


def _build_requirements_met() -> bool:
    from importlib.metadata import PackageNotFoundError, version

    from packaging.requirements import Requirement

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: let pip build in isolation
        return False

    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    for text in requires:
        requirement = Requirement(text)
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            return False
        if not requirement.specifier.contains(installed, prereleases=True):
            return False
    return True


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("LESIONKIT_WHEEL")
    if not given:
        pytest.skip("tested by .ci/run on the wheel it builds; LESIONKIT_WHEEL=build (or a .whl path) runs it here")
    if given != "build":
        return Path(given)
    # Build from a copy of the tracked files only: a module that was never committed would be
    # missing from the real release too, and the checkout's own build/ and egg-info stay out.
    src = tmp_path_factory.mktemp("src")
    for name in _tracked_files():
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("dist")
    # Offline when the installed build tools satisfy [build-system] requires (a fresh venv's
    # bundled setuptools may be too old); otherwise pip fetches them into an isolated build.
    isolation = ["--no-build-isolation"] if _build_requirements_met() else []
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-q", "-w", out, src)
    (found,) = out.glob("lesionkit-*.whl")
    return found


def test_wheel_holds_every_module_and_py_typed(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = {f for f in _tracked_files() if f.startswith("lesionkit/") and f.endswith((".py", ".typed"))}
    missing = sorted(tracked - names)
    assert not missing, f"{wheel.name} lacks {missing}; check [tool.setuptools] in pyproject.toml"
    assert "lesionkit/py.typed" in names
    assert not any(n.startswith(("tests/", "benchmarks/", "examples/")) for n in names)


@pytest.fixture(scope="module")
def fresh_env(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = tmp_path_factory.mktemp("venv")
    venv.create(env, with_pip=False, clear=True)  # no pip in it: the outer pip installs into it
    python = env / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel)
    return env


def test_fresh_environment_imports_and_runs_help(fresh_env: Path, tmp_path: Path) -> None:
    python, cli = fresh_env / "bin" / "python", fresh_env / "bin" / "lesionkit"
    # From a neutral folder, so the checkout's lesionkit/ cannot shadow the installed one.
    where = _run(
        python, "-c", "import lesionkit, sys; print(lesionkit.__file__); print(lesionkit.__version__)", cwd=tmp_path
    )
    assert str(fresh_env) in where.splitlines()[0], where
    usage = _run(cli, "--help", cwd=tmp_path)
    assert "usage: lesionkit" in usage
    for command in ("fit", "presets", "score", "download", "validate", "plugins"):
        assert command in usage, f"`lesionkit --help` does not list {command!r}:\n{usage}"
