"""Optimizers: selectable by name with checked parameters, also from an ExperimentConfig."""

from __future__ import annotations

import keras
import pytest

import lesionkit
from lesionkit.config import ComponentSpec, ConfigError, ExperimentConfig
from lesionkit.training.optimization.optimizers import OptimizerError


def test_sgd_momentum_nesterov() -> None:
    opt = lesionkit.optimizers.create("sgd", learning_rate=0.01, momentum=0.8, nesterov=True, clipnorm=1.0)
    assert isinstance(opt, keras.optimizers.SGD)
    assert (opt.momentum, opt.nesterov, opt.clipnorm) == (0.8, True, 1.0)
    assert float(opt.learning_rate) == pytest.approx(0.01)


def test_adam_and_adamw() -> None:
    adam = lesionkit.optimizers.create("adam", learning_rate=1e-3, beta_1=0.8)
    assert isinstance(adam, keras.optimizers.Adam) and adam.beta_1 == 0.8
    adamw = lesionkit.optimizers.create("adamw", learning_rate=1e-3, weight_decay=0.05)
    assert isinstance(adamw, keras.optimizers.AdamW) and adamw.weight_decay == 0.05


def test_registry_and_module_name_the_same_thing() -> None:
    assert set(lesionkit.optimizers.names()) >= {"sgd", "adam", "adamw"}
    assert "sgd" in lesionkit.optimizers and "sgd" in lesionkit.registries.optimizers
    assert set(lesionkit.losses.names()) >= {"focal", "crossentropy", "weighted_categorical_crossentropy"}


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("sgd", {"momentum": 1.0}, "momentum"),
        ("sgd", {"nesterov": "yes"}, "nesterov"),
        ("sgd", {"learning_rate": 0.0}, "learning_rate"),
        ("adam", {"beta_2": 1.5}, "beta_2"),
        ("adamw", {"weight_decay": -1}, "weight_decay"),
    ],
)
def test_bad_parameters(name: str, params: dict, match: str) -> None:
    with pytest.raises(OptimizerError, match=match):
        lesionkit.optimizers.create(name, **params)


def test_selected_from_config() -> None:
    cfg = ExperimentConfig(dataset="synthetic", optimizer=ComponentSpec("adamw", {"weight_decay": 0.01}))
    cfg.validate_components()
    with pytest.raises(ConfigError, match="Did you mean 'nesterov'"):
        ExperimentConfig(dataset="synthetic", optimizer=ComponentSpec("sgd", {"nesterow": True})).validate_components()
    with pytest.raises(ConfigError, match="adam"):
        ExperimentConfig(dataset="synthetic", optimizer=ComponentSpec("adamm")).validate_components()
