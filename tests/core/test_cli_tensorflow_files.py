"""The command line and TensorFlow: its start-up banner hidden, and Keras files that are not lesionkit exports refused."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import lesionkit.cli as cli
from lesionkit.cli import _quiet_tensorflow
from lesionkit.cli._model_file import check_model_file

BANNER = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796617478.341055    7814 port.cc:153] oneDNN custom operations are on. You may see ...",
    "I0000 00:00:1796617523.260129    8970 cpu_feature_guard.cc:227] This TensorFlow binary is optimized",
    "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the "
    "appropriate compiler flags.",
]
KEPT = [
    "E0000 00:00:1796617478.341055    7814 cuda_dnn.cc:8] Unable to load cuDNN",
    "UserWarning: something a user should see",
    "Traceback (most recent call last):",
]


@pytest.mark.parametrize("line", BANNER)
def test_banner_lines_are_recognised(line: str) -> None:
    assert _quiet_tensorflow.is_banner(line)


@pytest.mark.parametrize("line", KEPT)
def test_errors_and_python_output_are_kept(line: str) -> None:
    assert not _quiet_tensorflow.is_banner(line)


QUIET_IMPORT = textwrap.dedent(
    """
    import os, sys
    from lesionkit.cli import _quiet_tensorflow
    _quiet_tensorflow.install()
    print("before", file=sys.stderr, flush=True)
    import tensorflow
    print("during", file=sys.stderr, flush=True) if tensorflow.__version__ else None
    os.write(2, b"after\\n")
    """
)


def test_importing_tensorflow_under_the_hook_prints_no_banner() -> None:
    # A fresh process: the banner is printed once per process, by TensorFlow's C++ runtime.
    out = subprocess.run([sys.executable, "-c", QUIET_IMPORT], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stderr.splitlines()
    assert not [line for line in lines if _quiet_tensorflow.is_banner(line)], out.stderr
    assert [line for line in lines if line in ("before", "during", "after")] == ["before", "during", "after"]


@pytest.mark.parametrize(
    ("argv", "env", "installed"),
    [(["presets"], {}, True), (["--verbose", "presets"], {}, False), (["presets"], {cli.TF_LOG_VAR: "1"}, False)],
)
def test_the_banner_is_hidden_unless_asked_for(
    argv: list[str], env: dict[str, str], installed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(_quiet_tensorflow, "install", lambda: calls.append(True))
    monkeypatch.delenv(cli.TF_LOG_VAR, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert cli.main(argv) == 0
    assert bool(calls) is installed


def test_a_keras_file_that_is_not_a_lesionkit_export_is_refused(tmp_path: Path) -> None:
    keras = pytest.importorskip("keras")
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, name="dense")])
    plain.save(tmp_path / "plain.keras")
    with pytest.raises(cli.CommandError) as info:
        check_model_file(tmp_path / "plain.keras")
    assert str(info.value).startswith(f"{tmp_path / 'plain.keras'}: a Keras model, but not a lesionkit export")
    assert "lesionkit export RUN -o model.keras" in str(info.value)

    unsafe = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda x: x * 2, name="doubler")])
    unsafe.save(tmp_path / "unsafe.keras")
    with pytest.raises(cli.CommandError, match="doubler are Lambda layers.*unsafe deserialization"):
        check_model_file(tmp_path / "unsafe.keras")
