"""ExperimentConfig: exact round trips and errors that name the key."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lesionkit.config import (
    BALANCE,
    DISTRIBUTE,
    PRECISIONS,
    TRAINABLE,
    ComponentSpec,
    ConfigError,
    ExperimentConfig,
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=8,
)
names = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
specs = st.builds(ComponentSpec, names, st.dictionaries(names, json_values, max_size=3))

configs = st.builds(
    ExperimentConfig,
    name=st.text(max_size=10),
    task=st.sampled_from(["melanoma", "seborrheic_keratosis"]),
    dataset=specs,
    data_dir=st.one_of(st.none(), st.text(min_size=1, max_size=10)),
    image_size=st.integers(32, 512),
    augmenters=st.lists(specs, max_size=3).map(tuple),
    balance=st.sampled_from(BALANCE),
    backbone=specs,
    weights=st.sampled_from([None, "imagenet", "/tmp/w.weights.h5"]),
    trainable=st.sampled_from(TRAINABLE),
    head=specs,
    loss=specs,
    optimizer=specs,
    learning_rate=st.floats(1e-8, 10.0),
    schedule=specs,
    epochs=st.integers(1, 500),
    batch_size=st.integers(1, 512),
    seed=st.integers(-(2**31), 2**31),
    precision=st.sampled_from(PRECISIONS),
    jit_compile=st.booleans(),
    distribute=st.sampled_from(DISTRIBUTE),
    tta=st.integers(1, 64),
    deterministic=st.booleans(),
    augment_workers=st.integers(0, 8),
    early_stopping_patience=st.one_of(st.none(), st.integers(1, 50)),
    metadata_prior=st.lists(st.sampled_from(("age", "sex", "site")), unique=True).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(configs)
def test_round_trip_dict_and_json(cfg: ExperimentConfig) -> None:
    assert ExperimentConfig.from_dict(cfg.to_dict()) == cfg
    assert ExperimentConfig.from_json(cfg.to_json()) == cfg
    assert json.loads(cfg.to_json()) == cfg.to_dict()


def test_save_and_load(tmp_path) -> None:
    cfg = ExperimentConfig(name="x", augmenters=[{"name": "flip", "params": {"vertical": False}}])
    cfg.save(tmp_path / "c.json")
    assert ExperimentConfig.load(tmp_path / "c.json") == cfg


def test_unknown_key_suggests() -> None:
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_dict({"epocs": 3})
    assert "'epocs'" in str(info.value) and "Did you mean 'epochs'" in str(info.value)
    with pytest.raises(ConfigError, match="Did you mean 'batch_size'"):
        ExperimentConfig().evolve(batchsize=3)


@pytest.mark.parametrize(
    "changes, needle",
    [
        ({"task": "melanom"}, "Did you mean 'melanoma'"),
        ({"trainable": "conv6"}, "trainable"),
        ({"epochs": 0}, "epochs"),
        ({"batch_size": -1}, "batch_size"),
        ({"image_size": 16}, "image_size"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"precision": "fp16"}, "precision"),
        ({"weights": 3}, "weights"),
        ({"backbone": {"name": "resnet50", "parms": {}}}, "Did you mean 'params'"),
        ({"head": 5}, "registry name"),
        ({"loss": {"name": "x", "params": {"a": object()}}}, "JSON"),
    ],
)
def test_invalid_values_name_the_key(changes: dict, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        ExperimentConfig.from_dict(changes)


def test_config_is_frozen() -> None:
    cfg = ExperimentConfig()
    with pytest.raises(AttributeError):
        cfg.epochs = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg.optimizer.params["momentum"] = 0.5  # type: ignore[index]


def test_component_names_checked_against_registries() -> None:
    cfg = ExperimentConfig(backbone=ComponentSpec("resnet05"))
    with pytest.raises(ConfigError, match="backbone.name.*resnet50"):
        cfg.validate_components()
    cfg = ExperimentConfig(head=ComponentSpec("softmax", {"unitz": 3}))
    with pytest.raises(ConfigError, match="head.params.unitz"):
        cfg.validate_components()
