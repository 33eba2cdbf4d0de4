"""Read the project's Markdown: fenced code blocks with their run markers, links and anchors.

A ```python block runs in the tests unless the HTML comment right before it (blank lines
aside) says why it cannot::

    <!-- not-run: needs the ISIC 2017 data -->

Hidden set-up code (made-up inputs such as ``images``) goes in a comment of its own::

    <!-- setup:
    import numpy as np
    images = np.zeros((2, 32, 32, 3), np.uint8)
    -->
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<info>[^`]*)$")
_COMMENT = re.compile(r"<!--(?P<body>.*?)-->", re.DOTALL)
_LINK = re.compile(r"!?\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^(#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
_EXPLICIT_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"(?P<name>[^\"]+)\"")


@dataclass(frozen=True)
class Block:
    """One fenced code block: its language, code, 1-based line of its first code line, markers."""

    path: Path
    lang: str
    code: str
    line: int
    not_run: str | None = None  # the reason, when marked not-run
    setup: str = ""
    marker: str | None = None  # the raw comment before the block, if any

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def doc_files() -> list[Path]:
    """README.md, CONTRIBUTING.md and every Markdown file under docs/."""
    return [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _dedent(line: str, indent: int) -> str:
    stripped = len(line) - len(line.lstrip(" "))
    return line[min(indent, stripped) :]


def _comment_before(lines: list[str], fence_index: int) -> str | None:
    """The HTML comment that ends on the last non-blank line before ``fence_index``, if any."""
    i = fence_index - 1
    while i >= 0 and not lines[i].strip():
        i -= 1
    if i < 0 or not lines[i].rstrip().endswith("-->"):
        return None
    end = i
    while i >= 0 and "<!--" not in lines[i]:
        i -= 1
    if i < 0:
        return None
    match = _COMMENT.search("\n".join(lines[i : end + 1]))
    return match.group("body") if match else None


def code_blocks(path: Path) -> list[Block]:
    """Every fenced code block of ``path`` in order (indented fences are dedented)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        lang = opening["info"].strip().split()[0].lower() if opening["info"].strip() else ""
        j = i + 1
        while j < len(lines) and lines[j].strip() != fence:
            j += 1
        # An indented fence (inside a list item): its lines lose that indentation, and no more.
        code = "\n".join(_dedent(line, indent) for line in lines[i + 1 : j])
        comment = _comment_before(lines, i)
        not_run, setup = None, ""
        if comment is not None:
            body = comment.strip()
            if body.startswith("not-run:"):
                not_run = body[len("not-run:") :].strip()
            elif body.startswith("setup:"):
                setup = textwrap.dedent(comment.split("setup:", 1)[1]).strip("\n")
        blocks.append(Block(path, lang, code + "\n", i + 2, not_run, setup, comment))
        i = j + 1
    return blocks


def _without_code(text: str) -> str:
    """``text`` with fenced blocks and inline code blanked (line numbers kept)."""
    out, in_fence, fence = [], False, ""
    for line in text.splitlines():
        opening = _FENCE.match(line)
        if not in_fence and opening:
            in_fence, fence = True, opening["fence"]
            out.append("")
        elif in_fence:
            if line.strip() == fence:
                in_fence = False
            out.append("")
        else:
            out.append(re.sub(r"`[^`]*`", "", line))
    return "\n".join(out)


def links(path: Path) -> list[tuple[int, str]]:
    """(line, target) of every Markdown link and image outside code."""
    found = []
    for number, line in enumerate(_without_code(path.read_text(encoding="utf-8")).splitlines(), start=1):
        found.extend((number, m["target"]) for m in _LINK.finditer(line))
    return found


def slug(title: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    title = re.sub(r"`([^`]*)`", r"\1", title)
    title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)  # a link in a heading: its text
    title = unicodedata.normalize("NFKC", title).strip().lower()
    title = "".join(c for c in title if c.isalnum() or c in " -_")
    return title.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor a link into ``path`` may name (GitHub numbering of repeated headings)."""
    seen: dict[str, int] = {}
    out: set[str] = set()
    text = _without_code(path.read_text(encoding="utf-8"))
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            base = slug(heading["title"])
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
        out.update(m["name"] for m in _EXPLICIT_ANCHOR.finditer(line))
    return out
