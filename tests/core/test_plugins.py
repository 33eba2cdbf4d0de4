"""Entry-point plugins found through real installed metadata (a dist-info on sys.path)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import lesionkit
from lesionkit.registries import ALL
from lesionkit.registry import BrokenPluginError

EXAMPLE_PLUGIN = Path(__file__).resolve().parents[2] / "examples" / "plugin_package"


def make_distribution(site: Path, name: str, version: str, entry_points: str) -> None:
    """Write the metadata pip would write for an installed distribution."""
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A fresh site directory on sys.path; registries re-discover plugins around the test."""
    monkeypatch.syspath_prepend(str(tmp_path))
    for registry in ALL.values():
        registry.refresh()
    yield tmp_path
    for mod in [m for m in sys.modules if m.startswith(("lesionkit_tiny", "broken_plugin"))]:
        del sys.modules[mod]
    monkeypatch.undo()
    for registry in ALL.values():
        registry.refresh()


def test_example_plugin_discovered_through_entry_points(site: Path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLE_PLUGIN))
    make_distribution(
        site,
        "lesionkit_tiny",
        "0.1.0",
        """
        [lesionkit.backbones]
        tiny_cnn = lesionkit_tiny:tiny_cnn

        [lesionkit.losses]
        smoothed_crossentropy = lesionkit_tiny:smoothed_crossentropy
        """,
    )
    assert "tiny_cnn" in lesionkit.backbones.names()
    assert "lesionkit_tiny" not in sys.modules  # discovery does not import the plugin
    entry = {e.name: e for e in lesionkit.backbones.entries()}["tiny_cnn"]
    assert entry.origin == "lesionkit_tiny 0.1.0"
    backbone = lesionkit.backbones.create("tiny_cnn", input_shape=(32, 32, 3), weights=None)
    assert sorted(backbone.stages) == ["conv1", "conv2", "conv3"]
    assert "smoothed_crossentropy" in lesionkit.losses.names()


def test_broken_plugin_is_isolated(site: Path) -> None:
    (site / "broken_plugin.py").write_text("raise ImportError('needs libfoo 9')\n")
    make_distribution(
        site,
        "broken_plugin",
        "2.0",
        """
        [lesionkit.heads]
        broken_head = broken_plugin:head
        missing_attr = json:no_such_attribute
        """,
    )
    names = lesionkit.heads.names()
    assert {"broken_head", "missing_attr", "softmax"} <= set(names)
    assert lesionkit.heads.create("softmax", num_classes=2).num_outputs == 2  # others still work
    with pytest.raises(BrokenPluginError) as info:
        lesionkit.heads.get("broken_head")
    message = str(info.value)
    assert "broken_head = broken_plugin:head" in message and "broken_plugin 2.0" in message
    assert isinstance(info.value.__cause__, ImportError) and "libfoo" in str(info.value.__cause__)
    with pytest.raises(BrokenPluginError, match="missing_attr"):
        lesionkit.heads.get("missing_attr")
    broken = {e.name: e.error for e in lesionkit.heads.entries(load=True) if e.broken}
    assert set(broken) == {"broken_head", "missing_attr"}


def test_strict_mode_raises_at_discovery(site: Path, monkeypatch) -> None:
    (site / "broken_plugin.py").write_text("raise ImportError('nope')\n")
    make_distribution(site, "broken_plugin", "1.0", "[lesionkit.schedules]\nbad = broken_plugin:x\n")
    monkeypatch.setenv("LESIONKIT_STRICT_PLUGINS", "1")
    with pytest.raises(BrokenPluginError):
        lesionkit.schedules.names()


def test_plugins_command_lists_origin_and_broken(site: Path, capsys) -> None:
    (site / "broken_plugin.py").write_text("raise ImportError('needs libfoo 9')\n")
    make_distribution(site, "broken_plugin", "2.0", "[lesionkit.heads]\nbroken_head = broken_plugin:head\n")
    from lesionkit.cli import main

    assert main(["plugins", "heads"]) == 1  # a broken entry fails the command (a CI check sees it)
    out = capsys.readouterr().out
    assert "softmax" in out and "built-in" in out
    assert "broken_head" in out and "BROKEN" in out and "libfoo" in out
    assert "1 broken plugin(s)" in out


def test_import_lesionkit_is_cheap_and_survives_broken_plugins(tmp_path: Path) -> None:
    make_distribution(tmp_path, "broken_plugin", "1.0", "[lesionkit.backbones]\nbad = broken_plugin:x\n")
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import lesionkit; "
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'; "
        "assert 'keras' not in sys.modules, 'keras imported'; "
        "from lesionkit import presets; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_tasks_and_schedules_come_from_entry_points(site: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (site / "task_plugin.py").write_text(
        "from lesionkit.task import Task\n"
        "from lesionkit.diagnoses import MELANOMA, NEVUS\n"
        "MEL_VS_NEVUS = Task('mel_vs_nevus', ('nevus', 'melanoma'), {NEVUS: 0, MELANOMA: 1})\n"
        "def halve(learning_rate, steps_per_epoch, epochs):\n"
        "    return learning_rate / 2\n"
    )
    make_distribution(
        site,
        "task_plugin",
        "0.2",
        """
        [lesionkit.tasks]
        mel_vs_nevus = task_plugin:MEL_VS_NEVUS

        [lesionkit.schedules]
        halve = task_plugin:halve
        """,
    )
    try:
        assert "mel_vs_nevus" in lesionkit.tasks.names()
        assert lesionkit.tasks.get("mel_vs_nevus").classes == ("nevus", "melanoma")
        assert lesionkit.schedules.create("halve", learning_rate=1.0, steps_per_epoch=1, epochs=1) == 0.5
        from lesionkit.cli import main

        assert main(["plugins", "tasks"]) == 0
        out = capsys.readouterr().out
        assert "mel_vs_nevus" in out and "task_plugin 0.2" in out and "melanoma" in out
    finally:
        sys.modules.pop("task_plugin", None)
