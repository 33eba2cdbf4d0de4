"""A newcomer's mistakes on the command line: caught before any work, said in one line with the fix.

One fresh process (no TensorFlow in it yet) runs every mistake through ``lesionkit.cli.main``
and reports, for each, the exit code, stderr, and whether the working folder changed; the
tests then read that record. At the end it says whether TensorFlow was imported: none of
these mistakes may cost its import.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import lesionkit.cli as cli
from lesionkit.cli._options import parse_set_value

SCRIPT = textwrap.dedent(
    """
    import contextlib, io, json, os, sys
    import numpy as np
    from PIL import Image
    from lesionkit.cli import main

    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save("a.png")
    os.mkdir("not_a_run")
    with open("fake.keras", "w") as fh:
        fh.write("not a zip")
    with open("my_components.py", "w") as fh:
        fh.write(
            "import lesionkit\\n"
            "@lesionkit.losses.register('my_loss')\\n"
            "def my_loss():\\n"
            "    return 'a loss'\\n"
        )
    FIT = ["fit", "melanoma_conv5", "--dataset", "synthetic", "--image-size", "32", "--run-dir", "run"]
    cases = {
        "set_python_literal": FIT + ["--weights", "none", "--set", "loss={'name': 'focl'}"],
        "set_unbalanced_json": FIT + ["--weights", "none", "--set", 'loss={"name": "focal"'],
        "weights_typo": FIT + ["--weights", "imagnet"],
        "imagenet_for_resnet18": FIT + ["--weights", "imagenet", "--set", "backbone=resnet18"],
        "mixed_backends": FIT + ["--weights", "none", "--set",
                                 "augmenters=[{'name': 'flip'}, {'name': 'flip', 'params': {'backend': 'imgaug'}}]"],
        "param_as_key": ["fit", "melanoma_perez2018", "--dataset", "synthetic", "--run-dir", "run",
                         "--set", "warmup_epochs=0"],
        "dotted_key_accepted": ["fit", "melanoma_perez2018", "--dataset", "synthetic", "--run-dir", "run",
                                "--set", "schedule.params.warmup_epochs=0", "--weights", "imagnet"],
        "predict_missing_model": ["predict", "missing.keras", "a.png"],
        "predict_not_a_run": ["predict", "not_a_run", "a.png"],
        "predict_not_keras": ["predict", "fake.keras", "a.png"],
        "typo_command": ["trian"],
        "presets_substring": ["presets", "3class", "--brief"],
        "presets_no_match": ["presets", "melanomma"],
        "plugins_healthy": ["plugins", "heads"],
        "compare_not_runs": ["compare", "not_a_run", "nowhere"],
        "user_loss_unknown": FIT + ["--weights", "imagnet", "--set", "loss=my_loss"],
        "user_loss_imported": ["--import", "my_components"] + FIT + ["--weights", "imagnet", "--set", "loss=my_loss"],
        "user_loss_import_after": FIT + ["--weights", "imagnet", "--set", "loss=my_loss", "--import", "my_components"],
        "import_missing": ["--import", "no_such_module", "presets"],
    }
    record = {}
    before = sorted(os.listdir("."))
    for name, argv in cases.items():
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
        record[name] = {"rc": code, "out": out.getvalue(), "err": err.getvalue(),
                        "created": sorted(set(os.listdir(".")) - set(before))}
    os.environ["LESIONKIT_IMPORT"] = "my_components"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["plugins", "losses"])
    record["env_import"] = {"rc": code, "out": out.getvalue(), "err": err.getvalue(), "created": []}
    record["tensorflow"] = "tensorflow" in sys.modules
    print(json.dumps(record))
    """
)


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("cli_mistakes")
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("LESIONKIT_IMPORT", "LESIONKIT_DEBUG")}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=folder, capture_output=True, text=True, timeout=300, env=env
    )
    assert out.returncode == 0, out.stderr
    record: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return record


def one_line_error(case: dict[str, Any], command: str) -> str:
    """The case's error: exit code 2, one line, nothing created in the working folder."""
    assert case["rc"] == 2, case
    assert case["err"].count("\n") == 1 and case["err"].startswith(f"lesionkit {command}: error: "), case["err"]
    assert case["created"] == [], f"left behind: {case['created']}"
    return str(case["err"])


def test_no_mistake_imports_tensorflow(mistakes: dict[str, Any]) -> None:
    assert mistakes["tensorflow"] is False


def test_set_takes_python_literals(mistakes: dict[str, Any]) -> None:
    # Parsed as a dict (not kept as a string): the loss name inside it is what is checked.
    err = one_line_error(mistakes["set_python_literal"], "fit")
    assert "'focl'" in err and "Did you mean 'focal'?" in err


def test_set_refuses_a_structure_that_does_not_parse(mistakes: dict[str, Any]) -> None:
    err = one_line_error(mistakes["set_unbalanced_json"], "fit")
    assert '--set loss={"name": "focal"' in err and "neither JSON" in err and "check its brackets" in err


def test_weights_typo_is_caught_before_the_run_directory(mistakes: dict[str, Any]) -> None:
    err = one_line_error(mistakes["weights_typo"], "fit")
    assert "weights = 'imagnet': no such file or directory. Did you mean 'imagenet'?" in err


def test_imagenet_for_a_backbone_without_it_is_caught_before_the_run_directory(mistakes: dict[str, Any]) -> None:
    err = one_line_error(mistakes["imagenet_for_resnet18"], "fit")
    assert "backbone 'resnet18' has no ImageNet weights" in err and "--weights none" in err


def test_mixed_augmenter_backends_are_caught_before_fit(mistakes: dict[str, Any]) -> None:
    err = one_line_error(mistakes["mixed_backends"], "fit")
    assert "augmenters[0] 'flip' (tf), augmenters[1] 'flip' (numpy)" in err and "same backend" in err


def test_a_component_parameter_named_alone_gets_the_key_that_sets_it(mistakes: dict[str, Any]) -> None:
    err = one_line_error(mistakes["param_as_key"], "fit")
    assert "'warmup_epochs': it is a parameter of schedule 'cosine'" in err
    assert "--set schedule.params.warmup_epochs=VALUE" in err
    # ...and that key is accepted: this run then stops at its next mistake, the weights.
    assert "weights = 'imagnet'" in one_line_error(mistakes["dotted_key_accepted"], "fit")


def test_predict_checks_its_model_argument_first(mistakes: dict[str, Any]) -> None:
    err = one_line_error(mistakes["predict_missing_model"], "predict")
    assert "missing.keras: no such file" in err and "lesionkit export" in err
    err = one_line_error(mistakes["predict_not_a_run"], "predict")
    assert "not_a_run: a folder but not a lesionkit run directory" in err
    err = one_line_error(mistakes["predict_not_keras"], "predict")
    assert "fake.keras: not a Keras .keras model file" in err


def test_a_mistyped_command_gets_a_suggestion(mistakes: dict[str, Any]) -> None:
    case = mistakes["typo_command"]
    assert case["rc"] == 2
    assert case["err"].startswith("lesionkit: error: no command 'trian'. Did you mean 'fit'?")


def test_presets_filter_matches_part_of_a_name(mistakes: dict[str, Any]) -> None:
    out = mistakes["presets_substring"]["out"]
    listed = [line.split()[0] for line in out.split("\n\n")[0].splitlines()]
    assert "isic2017_3class_joint_long" in listed and all("3class" in name for name in listed)
    assert "old names (still work, with a warning): isic2017_3class_best -> isic2017_3class_scratch" in out
    err = one_line_error(mistakes["presets_no_match"], "presets")
    assert "no preset matches 'melanomma'. Did you mean 'melanoma_" in err


def test_plugins_exits_0_when_nothing_is_broken(mistakes: dict[str, Any]) -> None:
    assert mistakes["plugins_healthy"]["rc"] == 0 and "softmax" in mistakes["plugins_healthy"]["out"]


def test_compare_says_which_argument_is_not_a_run(mistakes: dict[str, Any]) -> None:
    err = one_line_error(mistakes["compare_not_runs"], "compare")
    assert "not_a_run: a folder but not a lesionkit run directory" in err and "lesionkit evaluate RUN" in err
    assert "run a run directory" not in err


def test_import_makes_decorator_registered_components_usable(mistakes: dict[str, Any]) -> None:
    assert "loss.name" in one_line_error(mistakes["user_loss_unknown"], "fit")
    # Imported, the loss is known: the config passes and the run stops at the weights typo.
    for case in ("user_loss_imported", "user_loss_import_after"):
        err = one_line_error(mistakes[case], "fit")
        assert "weights = 'imagnet'" in err and "my_loss" not in err
    assert "my_loss" in mistakes["env_import"]["out"] and mistakes["env_import"]["rc"] == 0
    err = one_line_error(mistakes["import_missing"], "presets")
    assert "--import no_such_module: cannot import it: ModuleNotFoundError" in err and "PYTHONPATH" in err


def test_reproduce_offers_no_option_it_refuses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["reproduce", "--help"])
    out = capsys.readouterr().out
    assert "--root" in out and "--run-dir" not in out


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("{'name': 'focal', 'params': {'gamma': 2.0}}", {"name": "focal", "params": {"gamma": 2.0}}),
        ('{"name": "focal"}', {"name": "focal"}),
        ("(1, 2)", [1, 2]),
        ("None", None),
        ("null", None),
        ("1e-3", 0.001),
        ("imagenet", "imagenet"),
        ("runs/my run", "runs/my run"),
    ],
)
def test_set_values(raw: str, value: object) -> None:
    assert parse_set_value("key", raw) == value


@pytest.mark.parametrize("raw", ["[1, 2", "{'a': 1", "'unterminated", "{1, 2}"])
def test_set_values_that_look_structured_must_parse(raw: str) -> None:
    with pytest.raises(cli.CommandError, match="looks structured"):
        parse_set_value("key", raw)


def test_a_fit_that_fails_before_its_first_checkpoint_leaves_no_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lesionkit.errors import DataError
    from lesionkit.training.trainer import Trainer

    def failing_fit(self: Trainer, **kwargs: Any) -> None:
        self.run.path.mkdir(parents=True, exist_ok=True)  # what RunDir.open writes first
        self.config.save(self.run.config_file)
        raise DataError("a.png: cannot decode")

    monkeypatch.setattr(Trainer, "fit", failing_fit)
    run = tmp_path / "run"
    argv = ["fit", "melanoma_conv5", "--dataset", "synthetic", "--image-size", "32", "--weights", "none"]
    assert cli.main([*argv, "--run-dir", str(run)]) == 2
    err = capsys.readouterr().err
    assert not run.exists() and f"removed {run}" in err and "a.png: cannot decode" in err
    empty = tmp_path / "made_by_you"
    empty.mkdir()
    assert cli.main([*argv, "--run-dir", str(empty)]) == 2
    assert empty.is_dir() and not any(empty.iterdir())  # your folder stays; what the fit wrote goes
    assert f"emptied {empty}" in capsys.readouterr().err


def test_a_fit_that_fails_after_a_checkpoint_keeps_it_for_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lesionkit.runs import RunDir
    from lesionkit.training.trainer import Trainer

    def failing_fit(self: Trainer, **kwargs: Any) -> None:
        self.run.path.mkdir(parents=True)
        self.config.save(self.run.config_file)
        raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "fit", failing_fit)
    monkeypatch.setattr(RunDir, "weights_file", lambda self, which="best": self.path / "weights.h5")
    run = tmp_path / "run"
    argv = ["fit", "melanoma_conv5", "--dataset", "synthetic", "--image-size", "32", "--weights", "none"]
    assert cli.main([*argv, "--run-dir", str(run)]) == 130
    assert (run / "config.json").is_file() and "removed" not in capsys.readouterr().err


def test_compare_runs_in_python_names_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    from lesionkit.errors import DataError
    from lesionkit.evaluation.reports.compare import compare_runs

    (tmp_path / "a").mkdir()
    with pytest.raises(DataError) as info:
        compare_runs(tmp_path / "a", tmp_path / "a")
    assert (
        str(info.value)
        == f"{tmp_path / 'a'} is not a lesionkit run directory (no config.json); compare two runs of `fit`"
    )


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("schedule.params.alpha=2", "schedule.params.alpha = 2.0: the final rate fraction must be in [0, 1]"),
        ("loss={'name': 'focal', 'params': {'gamma': -1}}", "loss.params.gamma = -1: use a number >= 0"),
    ],
)
def test_a_bad_component_value_is_named_by_its_key_before_the_run_directory(
    setting: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    argv = ["fit", "melanoma_perez2018", "--dataset", "synthetic", "--weights", "none", "--run-dir", str(run)]
    assert cli.main([*argv, "--set", setting]) == 2
    assert capsys.readouterr().err == f"lesionkit fit: error: {message}\n"
    assert not run.exists()
