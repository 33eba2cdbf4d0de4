"""The `lesionkit` command's contract: help by default, user errors as one line, bugs as tracebacks."""

from __future__ import annotations

import argparse

import pytest

import lesionkit.cli as cli
from lesionkit.errors import DataError


def run_with(monkeypatch, raised: BaseException, argv: list[str] | None = None) -> int:  # type: ignore[no-untyped-def]
    """Run `lesionkit presets` with its handler replaced by one that raises ``raised``."""
    real = cli.build_parser

    def parser() -> argparse.ArgumentParser:
        p = real()
        sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
        sub.choices["presets"].set_defaults(func=lambda args: (_ for _ in ()).throw(raised))
        return p

    monkeypatch.setattr(cli, "build_parser", parser)
    return cli.main(argv or ["presets"])


def test_predict_collects_every_format_the_loader_reads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from lesionkit.cli.cmd_predict import collect_images

    for name in ("a.webp", "b.JPG", "c_superpixels.png", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in collect_images([str(tmp_path)])] == ["a.webp", "b.JPG"]


def test_no_command_prints_help(capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli.main([]) == 0
    assert "usage: lesionkit" in capsys.readouterr().out


def test_user_error_is_one_line_with_exit_2(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run_with(monkeypatch, DataError("labels.csv, line 3: empty image_id")) == 2
    err = capsys.readouterr().err
    assert err == "lesionkit presets: error: labels.csv, line 3: empty image_id\n"


def test_debug_shows_the_traceback_of_a_user_error(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LESIONKIT_DEBUG", "1")
    with pytest.raises(DataError):
        run_with(monkeypatch, DataError("bad"))


def test_a_bug_is_not_disguised_as_a_user_error(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ZeroDivisionError):
        run_with(monkeypatch, ZeroDivisionError("a bug"))


def test_ctrl_c_exits_130(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run_with(monkeypatch, KeyboardInterrupt()) == 130
    assert "interrupted" in capsys.readouterr().err


def test_config_field_the_dataset_cannot_take_is_one_line_before_training(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    rc = cli.main(["fit", "melanoma_conv5", "--dataset", "synthetic", "--data-dir", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("lesionkit fit: error: data_dir = ")
    assert "dataset 'synthetic' does not take a data_dir; remove data_dir" in err and "--data-dir" in err
    assert not any(tmp_path.iterdir())  # nothing ran


def test_registry_and_config_errors_are_user_errors() -> None:
    from lesionkit.config import ConfigError
    from lesionkit.registry import BrokenPluginError, InvalidParameterError, UnknownComponentError

    for error in (UnknownComponentError("x"), InvalidParameterError("x"), BrokenPluginError("x"), ConfigError("x")):
        assert cli._is_user_error(error)
    assert cli._is_user_error(cli.CommandError("x")) and not cli._is_user_error(ValueError("x"))
