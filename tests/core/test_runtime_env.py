"""Runtime settings before TensorFlow's import: precedence, the cached profile, and recording."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lesionkit.runtime.errors import RuntimeProfileWarning, RuntimeSettingsError
from lesionkit.runtime.host import Host, available_cores
from lesionkit.runtime.profile import Profile, load_profile, profile_from_measurements, profile_path, save_profile
from lesionkit.runtime.settings import RuntimeSettings, active_settings, configure_runtime, resolve_settings
from lesionkit.runtime.tuning import choose_settings, tuning_candidates
from lesionkit.runtime.variables import ENV_VARS, SET_BY_LESIONKIT_VAR

HOST = Host(cpu="Test CPU 9000", flags=("avx2", "fma"), cores=4, machine="x86_64")
AVX512 = Host(cpu="Test CPU 9000", flags=("avx2", "fma", "avx512f"), cores=4, machine="x86_64")
MEASURED = {
    "train": {"onednn": True, "intra_op_threads": 4, "inter_op_threads": 1, "jit_compile": True},
    "infer": {"onednn": False, "intra_op_threads": 4, "inter_op_threads": 4, "jit_compile": False},
}


def profile(host: Host = HOST) -> Profile:
    return profile_from_measurements(host, MEASURED, [{"onednn": True, "train": 30.0, "infer": 90.0}])


def sources(settings: RuntimeSettings) -> dict[str, tuple[object, str]]:
    return {name: (s.value, s.source) for name, s in settings.items()}


def test_defaults_turn_onednn_on_for_training_and_for_inference_only_with_avx512() -> None:
    assert sources(resolve_settings("train", environ={}, profile=None, host=HOST)) == {
        "onednn": (True, "default"),
        "intra_op_threads": (4, "default"),
        "inter_op_threads": (4, "default"),
        "jit_compile": (False, "default"),
    }
    assert resolve_settings("infer", environ={}, profile=None, host=HOST)["onednn"].value is False
    assert resolve_settings("infer", environ={}, profile=None, host=AVX512)["onednn"].value is True


def test_user_environment_beats_the_profile_which_beats_the_defaults() -> None:
    env = {"TF_ENABLE_ONEDNN_OPTS": "0", "TF_NUM_INTRAOP_THREADS": "3"}
    got = sources(resolve_settings("train", environ=env, profile=profile(), host=HOST))
    assert got == {
        "onednn": (False, "user env"),
        "intra_op_threads": (3, "user env"),
        "inter_op_threads": (1, "profile"),
        "jit_compile": (True, "profile"),
    }
    infer = resolve_settings("infer", environ={}, profile=profile(), host=HOST)
    assert infer["inter_op_threads"].value == 4 and infer["onednn"].source == "profile"


def test_configure_sets_only_what_the_user_did_not_and_a_child_process_tells_them_apart() -> None:
    env = {"TF_NUM_INTEROP_THREADS": "1"}
    configure_runtime("train", environ=env, profile=None)
    assert env["TF_NUM_INTEROP_THREADS"] == "1"  # the user's value, untouched
    assert env["TF_ENABLE_ONEDNN_OPTS"] == "1" and env["LESIONKIT_JIT_COMPILE"] == "0"
    # A child inherits the variables lesionkit set: they are not the user's there either.
    child = resolve_settings("train", environ=dict(env), profile=profile(), host=HOST)
    assert child["onednn"].source == "profile" and child["inter_op_threads"].source == "user env"
    # ...unless the user changes one of them afterwards.
    env["TF_ENABLE_ONEDNN_OPTS"] = "0"
    assert resolve_settings("train", environ=env, profile=None, host=HOST)["onednn"].source == "user env"


def test_unreadable_variable_names_it_and_off_leaves_everything_to_tensorflow() -> None:
    with pytest.raises(RuntimeSettingsError, match="TF_NUM_INTRAOP_THREADS='two'"):
        resolve_settings("train", environ={"TF_NUM_INTRAOP_THREADS": "two"}, profile=None, host=HOST)
    with pytest.raises(RuntimeSettingsError, match="purpose = 'serve'"):
        resolve_settings("serve", environ={}, profile=None, host=HOST)
    off = resolve_settings("train", environ={"LESIONKIT_RUNTIME": "off"}, profile=None, host=HOST)
    assert {s.source for s in off.values()} == {"tensorflow"} and off.jit_compile is False


def test_profile_round_trips_through_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LESIONKIT_CACHE", str(tmp_path))
    path = save_profile(profile())
    assert path == tmp_path / "runtime" / f"{HOST.key}.json" and not list(path.parent.glob("*.part"))
    loaded = load_profile(HOST)
    assert loaded == profile().__class__(**{**profile().__dict__, "measured": loaded.measured})  # type: ignore[union-attr]
    assert resolve_settings("train", environ={}, host=HOST).profile == str(path)


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        json.dumps({"format": 99}),
        json.dumps({**profile().to_dict(), "settings": {"train": MEASURED["train"]}}),
        json.dumps({**profile().to_dict(), "settings": {**MEASURED, "infer": {**MEASURED["infer"], "onednn": 3}}}),
    ],
    ids=["not-json", "other-format", "missing-purpose", "bad-value"],
)
def test_corrupt_profile_warns_and_falls_back_to_defaults(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LESIONKIT_CACHE", str(tmp_path))
    path = profile_path(HOST)
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.warns(RuntimeProfileWarning, match="unreadable.*lesionkit tune"):
        settings = resolve_settings("train", environ={}, host=HOST)
    assert {s.source for s in settings.values()} == {"default"} and settings.profile is None


def test_profile_of_another_host_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LESIONKIT_CACHE", str(tmp_path))
    save_profile(profile(AVX512), profile_path(HOST))  # copied over from another machine
    with pytest.warns(RuntimeProfileWarning, match="another host"):
        assert load_profile(HOST) is None


def test_choose_settings_takes_the_fastest_per_purpose_and_xla_only_when_clearly_faster() -> None:
    base = {"intra_op_threads": 2, "inter_op_threads": 2}
    rows = [
        {"onednn": False, **base, "train": 15.6, "train_xla": 16.0, "infer": 139.0},
        {"onednn": True, **base, "train": 31.0, "train_xla": 40.0, "infer": 97.0},
        {"onednn": True, "intra_op_threads": 2, "inter_op_threads": 1},  # failed measurement
    ]
    chosen = choose_settings(rows)
    assert chosen["train"] == {"onednn": True, **base, "jit_compile": True}
    assert chosen["infer"] == {"onednn": False, **base, "jit_compile": False}
    rows[1]["train_xla"] = 31.5  # within the noise margin
    assert choose_settings(rows)["train"]["jit_compile"] is False
    with pytest.raises(RuntimeSettingsError, match="no candidate"):
        choose_settings(rows[2:])


def test_environment_json_records_the_settings_in_force() -> None:
    from lesionkit.runs.environment import environment

    active = active_settings()
    assert active is not None  # tests/conftest.py configures like the lesionkit command does
    recorded = environment(0)["runtime"]
    assert recorded == json.loads(json.dumps(active.to_dict()))
    # Whether TensorFlow came first depends on which tests ran before (a `lesionkit` command run
    # in-process applies the settings again); test_tensorflow_imported_first_is_reported_not_pretended checks that case.
    assert set(recorded["settings"]) == set(ENV_VARS) and isinstance(recorded["applied_before_tensorflow"], bool)


IMPORTED_FIRST = """
import warnings
import tensorflow
from lesionkit.runtime.settings import configure_runtime
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    settings = configure_runtime("train")
print(settings.applied, settings["onednn"].source, settings["jit_compile"].source)
print(*[f"{w.category.__name__}: {w.message}" for w in caught], sep="\\n")
"""


def test_tensorflow_imported_first_is_reported_not_pretended() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS.values() and k != SET_BY_LESIONKIT_VAR}
    out = subprocess.run(
        [sys.executable, "-c", IMPORTED_FIRST],
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert out.returncode == 0, out.stderr
    first, warning = out.stdout.splitlines()[:2]
    assert first == "False tensorflow default"  # TensorFlow chose; XLA still applies per model
    assert warning.startswith("RuntimeAlreadyImportedWarning: TensorFlow was imported before")
    assert "onednn=1 (default)" in warning


def test_info_shows_host_build_and_where_each_setting_came_from(capsys: pytest.CaptureFixture[str]) -> None:
    from lesionkit.cli import main

    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["host"]["cores"] == available_cores() and info["tensorflow"]["version"]
    assert {n: s["source"] for n, s in info["runtime"]["settings"].items()} == {
        n: s.source
        for n, s in active_settings().items()  # type: ignore[union-attr]
    }
    assert main(["info"]) == 0
    text = capsys.readouterr().out
    assert "TF_ENABLE_ONEDNN_OPTS" in text and "runtime settings for train" in text


def test_measured_rates_are_positive_for_training_and_inference() -> None:
    from lesionkit.runtime.throughput import measure

    rates = measure(size=32, batch=2, seconds=0.05)
    assert set(rates) == {"train", "infer"} and min(rates.values()) > 0


def test_tune_caches_the_fastest_setting_per_purpose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command's bookkeeping, with made-up rates instead of minutes of measuring."""
    from lesionkit.cli import main
    from lesionkit.runtime import tuning

    def fake(candidate: dict[str, object], *, xla: bool = False, **sizes: object) -> dict[str, float]:
        if xla:
            return {"train_xla": 50.0}
        onednn, inter = candidate["onednn"], candidate["inter_op_threads"]
        return {"train": 30.0 if onednn else 15.0, "infer": 97.0 if onednn else 139.0 - inter}

    monkeypatch.setenv("LESIONKIT_CACHE", str(tmp_path))
    monkeypatch.setattr(tuning, "measure_settings", fake)
    # float32 vs mixed_bfloat16 has its own test (test_runtime_precision.py)
    assert main(["tune", "--seconds", "0.1", "--no-precision"]) == 0
    assert "profile written" in capsys.readouterr().out
    saved = load_profile()
    assert saved is not None and len(saved.measurements) == len(tuning_candidates())
    assert saved.settings["train"]["onednn"] is True and saved.settings["train"]["jit_compile"] is True
    assert saved.settings["infer"] == {
        "onednn": False,
        "intra_op_threads": available_cores(),
        "inter_op_threads": 1,
        "jit_compile": False,
    }


def test_tune_measures_each_setting_in_a_child_with_its_variables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`measure_settings` runs a fresh process with the candidate's variables, and survives one that fails."""
    from lesionkit.runtime import tuning

    seen: list[dict[str, str]] = []

    def fake_run(cmd: list[str], *, env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        seen.append(env)
        if "--xla-only" in cmd:
            return subprocess.CompletedProcess(cmd, 1, "", "Traceback ...\nRuntimeError: no XLA here\n")
        return subprocess.CompletedProcess(cmd, 0, 'warming up\n{"train": 12.5, "infer": 40.0}\n', "")

    monkeypatch.setattr(tuning.subprocess, "run", fake_run)
    monkeypatch.setenv(SET_BY_LESIONKIT_VAR, "TF_ENABLE_ONEDNN_OPTS")  # not the user's: must not leak
    sizes = {"image_size": 32, "batch_size": 2, "seconds": 0.1}
    candidate = {"onednn": False, "intra_op_threads": 2, "inter_op_threads": 1}
    assert tuning.measure_settings(candidate, **sizes) == {"train": 12.5, "infer": 40.0}
    env = seen[0]
    assert env[ENV_VARS["onednn"]] == "0" and env[ENV_VARS["intra_op_threads"]] == "2"
    assert SET_BY_LESIONKIT_VAR not in env
    assert tuning.measure_settings(candidate, **sizes, xla=True) == {}
    assert "measurement failed (RuntimeError: no XLA here); skipped" in capsys.readouterr().err
