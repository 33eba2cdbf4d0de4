"""Component specs edited by dotted keys, and ``--import`` modules, in this process (no TensorFlow)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lesionkit.cli._user_modules import UserModuleError, import_user_module
from lesionkit.component_spec import ComponentSpec, as_specs, freeze, thaw, thaw_spec, with_nested
from lesionkit.config import ExperimentConfig
from lesionkit.errors import ConfigError


def test_thaw_spec_gives_editable_plain_data_for_each_spelling() -> None:
    spec = ComponentSpec("cosine", {"warmup_epochs": 2, "steps": [1, 2]})
    assert thaw_spec(spec) == {"name": "cosine", "params": {"warmup_epochs": 2, "steps": [1, 2]}}
    assert thaw_spec("flip") == {"name": "flip", "params": {}}
    assert thaw_spec((spec, "flip"))[1] == {"name": "flip", "params": {}}
    assert thaw(freeze({"a": [1, {"b": 2}]})) == {"a": [1, {"b": 2}]}
    with pytest.raises(TypeError):
        freeze({"a": 1})["a"] = 2  # frozen params cannot be edited in place


def test_with_nested_sets_dict_keys_and_list_indices_and_names_what_is_wrong() -> None:
    plain = {"name": "compose", "params": {"steps": [{"name": "flip"}, {"name": "rotate"}]}}
    edited = with_nested(plain, ["params", "steps", "1", "name"], "crop", "augment.params.steps.1.name")
    assert edited["params"]["steps"][1] == {"name": "crop"}
    assert with_nested({}, ["params", "gamma"], 2.0, "loss.params.gamma") == {"params": {"gamma": 2.0}}
    with pytest.raises(ConfigError, match=r"k: '5' is not an index of a list of 2 \(use 0 to 1\)"):
        with_nested(plain, ["params", "steps", "5"], 1, "k")
    with pytest.raises(ConfigError, match=r"k: 'x' is inside 3, which has no keys"):
        with_nested({"a": 3}, ["a", "x"], 1, "k")


def test_as_specs_takes_one_component_or_many() -> None:
    assert as_specs("flip") == (ComponentSpec("flip"),)
    assert as_specs([{"name": "flip"}, "crop"]) == (ComponentSpec("flip"), ComponentSpec("crop"))
    with pytest.raises(ConfigError, match=r"augmenters\[1\] needs a 'name'"):
        as_specs([{"name": "flip"}, {"params": {}}])


def test_a_dotted_key_changes_one_value_inside_a_component() -> None:
    cfg = ExperimentConfig(schedule={"name": "cosine", "params": {"warmup_epochs": 2, "alpha": 0.0}})
    changed = cfg.evolve(**{"schedule.params.warmup_epochs": 0, "schedule.params.alpha": 0.1})
    assert dict(changed.schedule.params) == {"warmup_epochs": 0, "alpha": 0.1}
    assert cfg.schedule.params["warmup_epochs"] == 2  # the original is untouched


def test_import_user_module_from_a_file_and_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_parts.py").write_text("VALUE = 42\n")
    assert import_user_module(str(tmp_path / "my_parts.py")).VALUE == 42
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path)])
    (tmp_path / "team_parts.py").write_text("NAME = 'team'\n")
    assert import_user_module("team_parts").NAME == "team"
    sys.modules.pop("team_parts", None)


def test_import_user_module_says_which_module_failed_and_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(UserModuleError, match=r"--import .*nowhere\.py: no such file"):
        import_user_module(str(tmp_path / "nowhere.py"))
    broken = tmp_path / "broken_parts.py"
    broken.write_text("x = 1\nraise RuntimeError('bad registration')\n")
    with pytest.raises(UserModuleError) as info:
        import_user_module(str(broken))
    assert "RuntimeError" in str(info.value) or "bad registration" in str(info.value)
    assert "lesionkit_user_broken_parts" not in sys.modules  # a failed import leaves nothing half-made
    with pytest.raises(UserModuleError, match=r"--import no_such_module_xyz: cannot import it: ModuleNotFoundError"):
        import_user_module("no_such_module_xyz")
    (tmp_path / "raises_parts.py").write_text("raise ValueError('oops')\n")
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(UserModuleError, match=r"ValueError: oops \(.*raises_parts\.py, line 1\)"):
            import_user_module("raises_parts")
    finally:
        sys.path.remove(str(tmp_path))
