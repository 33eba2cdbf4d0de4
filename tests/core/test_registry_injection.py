"""Registry.check / Registry.build: the one check of a component call, with injected parameters."""

from __future__ import annotations

from typing import Any

import pytest

import lesionkit
from lesionkit.errors import ConfigError, LesionkitError
from lesionkit.registry import (
    BrokenPluginError,
    DuplicateComponentError,
    Injected,
    InvalidParameterError,
    Registry,
    RegistryError,
    UnknownComponentError,
)


@pytest.fixture
def reg() -> Registry[Any]:
    r: Registry[Any] = Registry(
        "gadgets",
        entry_point_group="",
        injected=[
            Injected("size", "the config's size"),
            Injected("counts", "class counts", when="if_accepted"),
            Injected("data_dir", "the config's data_dir", when="config"),
        ],
    )

    @r.register("plain")
    def plain(size: int, colour: str = "red") -> dict[str, Any]:
        return {"size": size, "colour": colour}

    @r.register("counting")
    def counting(size: int, counts: tuple[int, int] | None = None) -> dict[str, Any]:
        return {"size": size, "counts": counts}

    @r.register("reader")
    def reader(size: int, data_dir: str) -> dict[str, Any]:
        return {"size": size, "data_dir": data_dir}

    @r.register("sizeless")
    def sizeless(colour: str = "red") -> str:
        return colour

    return r


def test_build_passes_what_each_factory_takes(reg: Registry[Any]) -> None:
    values = {"size": 3, "counts": (5, 1), "data_dir": None}
    assert reg.build("plain", {"colour": "blue"}, injected=values) == {"size": 3, "colour": "blue"}
    assert reg.build("counting", {}, injected=values) == {"size": 3, "counts": (5, 1)}
    assert reg.build("reader", {}, injected={**values, "data_dir": "/d"}) == {"size": 3, "data_dir": "/d"}


def test_a_user_param_that_lesionkit_injects_is_refused(reg: Registry[Any]) -> None:
    with pytest.raises(InvalidParameterError) as info:
        reg.check("plain", {"size": 4}, where="gadget")
    message = str(info.value)
    assert message.startswith("gadget.params.size: lesionkit passes 'size' to every gadget (the config's size)")
    assert "remove it from gadget.params" in message
    with pytest.raises(InvalidParameterError, match="passes 'size'"):
        reg.build("plain", {"size": 4}, injected={"size": 3})


def test_unknown_param_names_the_config_key_and_close_matches(reg: Registry[Any]) -> None:
    with pytest.raises(InvalidParameterError) as info:
        reg.check("plain", {"color": "x"}, where="gadget")
    assert str(info.value) == (
        "gadget.params.color: gadget 'plain' has no parameter 'color'. Did you mean 'colour'? Accepted: colour"
    )


def test_config_sourced_value_the_factory_cannot_take_is_a_config_error(reg: Registry[Any]) -> None:
    with pytest.raises(ConfigError) as info:
        reg.check("plain", {}, provided={"data_dir": "/tmp/x"})
    assert str(info.value) == (
        "data_dir = '/tmp/x': gadget 'plain' does not take a data_dir; "
        "remove data_dir from the config (the --data-dir option)"
    )
    reg.check("plain", {}, provided={"data_dir": None})  # unset: nothing to refuse
    reg.check("plain", {})  # not known yet: assumed fine


def test_config_sourced_value_a_factory_needs_must_be_set(reg: Registry[Any]) -> None:
    with pytest.raises(ConfigError, match=r"gadget 'reader' needs a data_dir: set data_dir in the config"):
        reg.check("reader", {}, provided={"data_dir": None})
    reg.check("reader", {}, provided={"data_dir": "/d"})


def test_always_injected_parameter_must_be_in_the_signature(reg: Registry[Any]) -> None:
    with pytest.raises(InvalidParameterError, match="lesionkit passes 'size'.*add a size parameter"):
        reg.check("sizeless", {})


def test_if_accepted_is_skipped_for_factories_without_it(reg: Registry[Any]) -> None:
    assert reg.build("plain", {}, injected={"size": 1, "counts": (1, 1)}) == {"size": 1, "colour": "red"}


def test_build_refuses_caller_mistakes(reg: Registry[Any]) -> None:
    with pytest.raises(TypeError, match="needs injected value"):
        reg.build("plain", {}, injected={})
    with pytest.raises(TypeError, match="not weight"):
        reg.build("plain", {}, injected={"size": 1, "weight": 2})


def test_required_user_param_missing(reg: Registry[Any]) -> None:
    @reg.register("needy")
    def needy(size: int, depth: int) -> int:
        return depth

    with pytest.raises(InvalidParameterError, match=r"needs parameter\(s\) 'depth': set them in gadget.params"):
        reg.check("needy", {}, where="gadget")
    assert reg.build("needy", {"depth": 2}, injected={"size": 1}) == 2


def test_var_kwargs_take_every_injected_value() -> None:
    r: Registry[Any] = Registry("open", entry_point_group="", injected=[Injected("size", "s")])
    r.register("free", lambda **kw: kw)
    assert r.build("free", {"x": 1}, injected={"size": 2}) == {"x": 1, "size": 2}


def test_every_registry_error_is_a_lesionkit_error_with_its_builtin_base() -> None:
    for error, base in [
        (UnknownComponentError, KeyError),
        (DuplicateComponentError, ValueError),
        (InvalidParameterError, TypeError),
        (BrokenPluginError, ImportError),
    ]:
        assert issubclass(error, RegistryError) and issubclass(error, LesionkitError) and issubclass(error, base)
    assert issubclass(InvalidParameterError, ConfigError)


@pytest.mark.parametrize(
    "registry, noun",
    [
        ("losses", "loss"),
        ("schedules", "schedule"),
        ("backbones", "backbone"),
        ("datasets", "dataset"),
        ("tasks", "task"),
        ("presets", "preset"),
    ],
)
def test_messages_use_a_singular_noun(registry: str, noun: str) -> None:
    from lesionkit.registries import ALL

    with pytest.raises(UnknownComponentError) as info:
        ALL[registry].get("no_such_thing")
    assert str(info.value).startswith(f"no {noun} named 'no_such_thing' in lesionkit.{registry}.")


def test_registry_objects_never_change_type() -> None:
    before = lesionkit.losses
    assert type(before) is Registry
    lesionkit.losses.get("focal")  # loads lesionkit.training.optimization.losses
    lesionkit.optimizers.get("sgd")
    lesionkit.schedules.get("cosine")
    assert lesionkit.losses is before and type(lesionkit.losses) is Registry
    assert type(lesionkit.optimizers) is Registry and type(lesionkit.schedules) is Registry


def test_schedules_has_one_name_and_one_entry_point_group() -> None:
    assert not hasattr(lesionkit, "schedulers") and "schedulers" not in lesionkit.__all__
    assert lesionkit.schedules.group == "lesionkit.schedules"


def test_injected_parameters_declared_per_registry() -> None:
    assert lesionkit.backbones.injected_names == ("input_shape", "weights")
    assert lesionkit.heads.injected_names == ("num_classes",)
    assert lesionkit.losses.injected_names == ("class_counts",)
    assert lesionkit.schedules.injected_names == ("learning_rate", "steps_per_epoch", "epochs")
    assert lesionkit.optimizers.injected_names == ("learning_rate",)
    assert lesionkit.datasets.injected_names == ("data_dir", "cache_dir")


def test_builtin_table_entry_loads_like_a_plugin_and_reports_breakage() -> None:
    r: Registry[Any] = Registry(
        "parts", entry_point_group="", builtins={"dumps": "json:dumps", "gone": "json:no_such_attribute"}
    )
    assert r.names() == ["dumps", "gone"]
    assert r.create("dumps", obj=[1]) == "[1]"
    with pytest.raises(BrokenPluginError, match=r"built-in part 'gone' \(json:no_such_attribute\)"):
        r.get("gone")
    assert [e.name for e in r.entries(load=True) if e.broken] == ["gone"]


def test_decorator_in_a_table_target_module_fills_the_entry() -> None:
    def thing() -> int:
        return 7

    r: Registry[Any] = Registry("spares", entry_point_group="", builtins={"thing": f"{__name__}:{thing.__qualname__}"})
    r.register("thing", thing)  # what a built-in module's own decorator does: not a duplicate
    assert r.get("thing") is thing
