"""Docs that cannot rot: every Python block in README.md and docs/ runs, or says why it cannot;
every relative link and #anchor resolves.

Each file's runnable blocks run in order in one namespace, in a fresh Python process (so a
block that registers a component cannot leak into other tests), with a temporary folder as the
working directory. Tracebacks point at the Markdown file and line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import unquote

import pytest
from docs_markdown import ROOT, Block, anchors, code_blocks, doc_files, links

PYTHON_LANGS = {"python", "py", "python3"}
# Runs each block compiled with the Markdown file as its file name and its real line numbers.
RUNNER = textwrap.dedent(
    """
    import json, sys
    namespace = {"__name__": "__main__"}
    for block in json.load(sys.stdin):
        if block["setup"]:
            exec(compile(block["setup"], block["file"] + " (setup)", "exec"), namespace)
        source = "\\n" * (block["line"] - 1) + block["code"]
        exec(compile(source, block["file"], "exec"), namespace)
        print("ran", block["file"], block["line"], flush=True)
    """
)


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _python_blocks(path: Path) -> list[Block]:
    return [b for b in code_blocks(path) if b.lang in PYTHON_LANGS]


DOCS = doc_files()


@pytest.mark.parametrize("path", DOCS, ids=_rel)
def test_python_blocks_run_or_say_why_not(path: Path) -> None:
    """The static half: markers are well formed and python blocks hold code, not sessions."""
    problems = []
    for block in _python_blocks(path):
        if block.marker is not None and block.not_run is None and not block.setup:
            problems.append(f"{block.where}: unknown marker <!--{block.marker}-->; use 'not-run: <reason>' or 'setup:'")
        if block.not_run is not None and not block.not_run:
            problems.append(f"{block.where}: 'not-run:' needs a reason")
        if any(line.startswith(">>>") for line in block.code.splitlines()):
            problems.append(f"{block.where}: an interactive session belongs in a ```pycon block")
    assert not problems, "\n".join(problems)


RUNNABLE = [p for p in DOCS if any(b.not_run is None for b in _python_blocks(p))]


@pytest.mark.parametrize("path", RUNNABLE, ids=_rel)
@pytest.mark.slow
def test_python_blocks_execute(path: Path, tmp_path: Path) -> None:
    blocks = [
        {"file": str(path), "line": b.line, "code": b.code, "setup": b.setup}
        for b in _python_blocks(path)
        if b.not_run is None
    ]
    env = dict(os.environ)
    env.update(
        TF_CPP_MIN_LOG_LEVEL="2",
        KERAS_HOME=str(tmp_path / "keras-home"),  # never the user's cache, never a download
        MPLBACKEND="Agg",
        CUDA_VISIBLE_DEVICES="",
    )
    env.pop("LESIONKIT_STRICT_PLUGINS", None)
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(blocks),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, (
        f"a Python block of {_rel(path)} failed; mark it <!-- not-run: reason --> only if it cannot run\n"
        f"{proc.stdout[-2000:]}\n{proc.stderr[-6000:]}"
    )
    assert proc.stdout.count("ran ") == len(blocks)


@pytest.mark.parametrize("path", DOCS, ids=_rel)
def test_relative_links_resolve(path: Path) -> None:
    problems = []
    for line, target in links(path):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / unquote(file_part)).resolve() if file_part else path
        if not dest.exists():
            problems.append(f"{_rel(path)}:{line}: link to {target!r}: {file_part} does not exist")
            continue
        if ROOT not in dest.parents and dest != ROOT:
            problems.append(f"{_rel(path)}:{line}: link to {target!r} leaves the repository")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{_rel(path)}:{line}: link to {target!r}: no heading #{anchor} in {_rel(dest)}")
    assert not problems, "\n".join(problems)


def test_docs_are_found() -> None:
    # The checks above must not pass vacuously.
    assert len(DOCS) >= 5 and sum(len(_python_blocks(p)) for p in DOCS) >= 20
    assert sum(len(links(p)) for p in DOCS) >= 5
