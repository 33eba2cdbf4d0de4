"""TensorFlow's start-up banner kept off the command line's stderr.

TensorFlow 2.21's C++ runtime writes its banner straight to file descriptor 2 while it is
imported, whatever ``TF_CPP_MIN_LOG_LEVEL`` says (the absl ``InitializeLog`` notice comes
before the level is read)::

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:1796617478.341055    7814 port.cc:153] oneDNN custom operations are on. ...

so no Python-level filter can catch it. :func:`install` puts an import hook in front of
``tensorflow``: the import runs with descriptor 2 sent to a temporary file, and every line
of it except the informational banner is written back to stderr afterwards (errors and
Python warnings are kept). The import stays where it was (lazy): commands that never need
TensorFlow never import it.

Example:
    >>> is_banner("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR")
    True
    >>> is_banner("E0000 00:00:1.0  7814 cuda_dnn.cc:8] Unable to load cuDNN")
    False
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from types import ModuleType

#: Lines of TensorFlow's start-up banner: absl's notice, C++ INFO/WARNING log lines and the
#: continuation of the CPU-instructions notice. C++ errors (``E...``/``F...``) are kept.
_BANNER = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)"
    r"|[IW]\d{4} \d\d:\d\d:[\d.]+ +\d+ \S+:\d+\]"
    r"|To enable the following instructions: .*rebuild TensorFlow)"
)


def is_banner(line: str) -> bool:
    """Whether ``line`` (from TensorFlow's import) is part of the banner lesionkit hides."""
    return bool(_BANNER.match(line))


@contextlib.contextmanager
def _stderr_filtered() -> Iterator[None]:
    """Descriptor 2 sent to a temporary file for the block; its non-banner lines written back after."""
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().decode(errors="replace").splitlines(True) if not is_banner(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


class _QuietLoader(importlib.abc.Loader):
    """The ``tensorflow`` package's own loader, run with the banner filtered."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        with _stderr_filtered():
            self._loader.exec_module(module)


class _QuietFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` as the other finders do and wraps its loader; ignores every other name."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "tensorflow":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _QuietLoader(spec.loader)
                return spec
            if spec is not None:
                return spec
        return None


def install() -> None:
    """Hide the banner of a later ``import tensorflow`` in this process (no effect once it is imported)."""
    if "tensorflow" in sys.modules or any(isinstance(f, _QuietFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _QuietFinder())


def uninstall() -> None:
    """Remove the hook :func:`install` put in place (tests call it; the command never needs to)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _QuietFinder)]
