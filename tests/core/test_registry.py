"""Registry behaviour: registration, lookup errors, parameters, patterns, describe."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lesionkit.registry import (
    DuplicateComponentError,
    InvalidParameterError,
    Registry,
    UnknownComponentError,
)


@pytest.fixture
def reg() -> Registry:
    return Registry("widgets", entry_point_group="")


def test_decorator_and_call_forms(reg: Registry) -> None:
    @reg.register()
    def alpha(x: int = 1) -> int:
        """Alpha widget."""
        return x

    @reg.register
    def beta() -> str:
        return "b"

    reg.register("gamma", lambda: "g")
    assert reg.names() == ["alpha", "beta", "gamma"]
    assert reg.create("alpha", x=5) == 5
    assert reg.get("beta")() == "b"
    assert "gamma" in reg and "delta" not in reg and 3 not in reg
    assert list(reg) == ["alpha", "beta", "gamma"] and len(reg) == 3


def test_unknown_name_is_keyerror_with_suggestions(reg: Registry) -> None:
    reg.register("resnet50", lambda: 1)
    reg.register("resnet101", lambda: 2)
    with pytest.raises(UnknownComponentError) as info:
        reg.get("resnet05")
    assert isinstance(info.value, KeyError)
    message = str(info.value)
    assert "widgets" in message and "'resnet50'" in message and "resnet101" in message
    assert "Did you mean" in message


def test_duplicate_needs_override_and_same_object_is_noop(reg: Registry) -> None:
    def one() -> int:
        return 1

    reg.register("x", one)
    reg.register("x", one)  # same object again: fine (notebook re-runs)
    with pytest.raises(DuplicateComponentError, match="override=True"):
        reg.register("x", lambda: 2)
    reg.register("x", lambda: 3, override=True)
    assert reg.create("x") == 3


def test_reloaded_definition_is_not_a_duplicate(reg: Registry) -> None:
    ns: dict = {"__name__": "some_user_module"}
    source = "def thing():\n    return 1\n"
    exec(source, ns)
    reg.register("thing", ns["thing"])
    exec(source, ns)  # the same cell run again makes a new function object
    reg.register("thing", ns["thing"])
    assert reg.get("thing") is ns["thing"]


def test_parameters_checked_against_signature(reg: Registry) -> None:
    @reg.register()
    def thing(size: int, colour: str = "red") -> tuple:
        return size, colour

    assert reg.create("thing", size=2) == (2, "red")
    with pytest.raises(InvalidParameterError) as info:
        reg.create("thing", size=1, color="blue")
    assert "'color'" in str(info.value) and "colour" in str(info.value) and "Did you mean" in str(info.value)
    with pytest.raises(InvalidParameterError, match="'size'"):
        reg.create("thing")


def test_var_kwargs_accepts_anything(reg: Registry) -> None:
    reg.register("free", lambda **kw: kw)
    assert reg.create("free", anything=1) == {"anything": 1}


def test_patterns_and_describe(reg: Registry) -> None:
    @reg.register("resnet50")
    def r50(depth: int = 50) -> int:
        """A ResNet.

        More text."""
        return depth

    reg.register("vgg16", lambda: 16)
    assert reg.names("resnet*") == ["resnet50"]
    assert reg.names("*16") == ["vgg16"]
    text = reg.describe("resnet50")
    assert "widgets.resnet50(depth: int = 50) -> int" in text and "A ResNet." in text and "origin" in text
    assert reg.summary("resnet50") == "A ResNet."


def test_empty_name_rejected(reg: Registry) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        reg.register(5, lambda: 1)  # type: ignore[call-overload]


def test_lazy_builtins_are_imported_on_first_use() -> None:
    import sys

    reg = Registry("things", modules=["json"], entry_point_group="")
    assert reg._modules_loaded is False
    reg.names()
    assert reg._modules_loaded is True and "json" in sys.modules


@settings(max_examples=40, deadline=None)
@given(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True), unique=True, max_size=12))
def test_names_sorted_and_all_retrievable(names: list[str]) -> None:
    reg = Registry("props", entry_point_group="")
    for i, name in enumerate(names):
        reg.register(name, (lambda i=i: i))
    assert reg.names() == sorted(names)
    for i, name in enumerate(names):
        assert reg.create(name) == i
    assert reg.names("*") == sorted(names)
