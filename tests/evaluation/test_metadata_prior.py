"""The metadata prior: fitted like scikit-learn's logistic regression, combined by Bayes' rule, kept as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from lesionkit.config import ConfigError, ExperimentConfig
from lesionkit.evaluation.posthoc.metadata_prior import MetadataPrior, MetadataPriorError

CLASSES = ("nevus", "melanoma", "seborrheic_keratosis")


def cohort(n: int = 300, seed: int = 0) -> tuple[dict[str, tuple], np.ndarray]:
    """Ages that rise with the class (nevi young, SK old), some ages and sexes missing."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    ages = rng.normal(30 + 20 * labels, 8).round()
    age = tuple("unknown" if i % 7 == 0 else float(a) for i, a in enumerate(ages))
    sex = tuple(
        None if i % 11 == 0 else ("male" if rng.random() < 0.4 + 0.1 * y else "female") for i, y in enumerate(labels)
    )
    return {"age_approximate": age, "sex": sex}, labels


def test_prior_alone_is_the_logistic_regression_posterior() -> None:
    metadata, labels = cohort()
    prior = MetadataPrior.fit(metadata, labels, classes=CLASSES)
    x = prior.features(metadata)
    assert x.shape == (300, 5)  # age/100, its square, age missing, female, male
    known = MetadataPrior.known_rows(metadata, ("age", "sex"), 300)
    assert prior.n_cases == known.sum() == 296  # rows 0, 77, 154, 231 have neither age nor sex
    reference = LogisticRegression(C=1.0, max_iter=2000).fit(x[known], labels[known]).predict_proba(x)
    # An image model that knows only the class frequencies leaves p(class | metadata) itself.
    frequencies = np.tile(np.exp(prior.log_prior), (300, 1))
    alone = prior.apply(frequencies, metadata)
    np.testing.assert_allclose(alone[known], reference[known], atol=1e-6)
    np.testing.assert_allclose(alone[~known], frequencies[~known])
    np.testing.assert_allclose(np.exp(prior.log_prior), np.bincount(labels[known]) / 296)


def test_combination_is_bayes_rule_and_rows_without_metadata_are_unchanged() -> None:
    metadata, labels = cohort()
    prior = MetadataPrior.fit(metadata, labels, classes=CLASSES)
    rng = np.random.default_rng(1)
    images = rng.dirichlet(np.ones(3), size=4)
    new = {"age": (25, 75, None, "unknown"), "sex": ("male", "female", None, "")}
    combined = prior.apply(images, new)
    ratio = prior.log_ratio(new)
    expected = images * np.exp(ratio)
    np.testing.assert_allclose(combined, expected / expected.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(combined[2:], images[2:])  # nothing known: the image model's own
    assert combined[0, 0] > images[0, 0] and combined[1, 2] > images[1, 2]  # young → nevus, old → SK


def test_binary_probabilities_stay_a_vector() -> None:
    metadata, labels = cohort()
    binary = (labels == 1).astype(int)
    prior = MetadataPrior.fit(metadata, binary, classes=("other", "melanoma"))
    assert prior.coef.shape == (2, 5) and np.all(prior.coef[0] == 0)
    p = np.array([0.2, 0.5, 0.9])
    new = {"age": (30, 50, 70), "sex": ("male", "male", "female")}
    combined = prior.apply(p, new)
    assert combined.shape == (3,)
    np.testing.assert_allclose(combined, prior.apply(np.stack([1 - p, p], axis=1), new)[:, 1])


def test_sites_and_column_precedence() -> None:
    metadata = {
        "age_approximate": (None, 40, None, 70, None, 20),
        "age": (60, 10, 65, None, 25, None),  # read where age_approximate is missing
        "localization": ("back", "face", "back", "face", "trunk", "back"),
    }
    labels = np.array([1, 0, 1, 1, 0, 0])
    prior = MetadataPrior.fit(metadata, labels, classes=("other", "melanoma"), fields=("age", "site"))
    assert prior.sites == ("back", "face", "trunk")
    x = prior.features({"age": (60, None), "site": ("FACE", "scalp")})
    np.testing.assert_allclose(x, [[0.6, 0.36, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]])
    ages = prior.features(metadata)[:, 0]
    np.testing.assert_allclose(ages, [0.6, 0.4, 0.65, 0.7, 0.25, 0.2])


def test_save_load_roundtrip_and_broken_files(tmp_path: Path) -> None:
    metadata, labels = cohort(120)
    prior = MetadataPrior.fit(metadata, labels, classes=CLASSES, chosen_on="train")
    path = prior.save(tmp_path / "metadata_prior.json")
    again = MetadataPrior.load(path)
    images = np.full((5, 3), 1 / 3)
    new = {"age": (20, 40, 60, 80, None), "sex": ("male",) * 5}
    np.testing.assert_allclose(again.apply(images, new), prior.apply(images, new))
    assert (
        again.describe() == "metadata prior (age, sex) fitted on train (118 images) applied"
    )  # 2 of 120 rows know neither

    record = json.loads(path.read_text())
    record["coef"] = record["coef"][:2]
    path.write_text(json.dumps(record))
    with pytest.raises(MetadataPriorError, match=r"metadata_prior\.json.*do not fit 3 classes"):
        MetadataPrior.load(path)
    path.write_text("{not json")
    with pytest.raises(MetadataPriorError, match=r"metadata_prior\.json"):
        MetadataPrior.load(path)


def test_clear_errors() -> None:
    metadata, labels = cohort(60)
    with pytest.raises(MetadataPriorError, match="choose among"):
        MetadataPrior.fit(metadata, labels, classes=CLASSES, fields=("weight",))
    with pytest.raises(MetadataPriorError, match=r"no train image has age or sex metadata.*the split has: none"):
        MetadataPrior.fit({}, labels, classes=CLASSES)
    only_nevi_known = {"age": tuple(30 if y == 0 else None for y in labels)}
    with pytest.raises(MetadataPriorError, match="class melanoma, seborrheic_keratosis has metadata"):
        MetadataPrior.fit(only_nevi_known, labels, classes=CLASSES, fields=("age",))
    prior = MetadataPrior.fit(metadata, labels, classes=CLASSES)
    with pytest.raises(MetadataPriorError, match="fitted for another task"):
        prior.apply(np.full((2, 7), 1 / 7), {"age": (1, 2)})
    with pytest.raises(MetadataPriorError, match="column for 'sex' has 1 values for 2 images"):
        prior.apply(np.full((2, 3), 1 / 3), {"age": (1, 2), "sex": ("male",)})
    with pytest.raises(MetadataPriorError, match="differ in length"):
        prior.features({"age": (1, 2), "sex": ("male",)})


def test_config_field_round_trips_and_refuses_unknown_fields() -> None:
    config = ExperimentConfig(metadata_prior=["age", "sex", "age"])
    assert config.metadata_prior == ("age", "sex")
    assert ExperimentConfig.from_dict(config.to_dict()).metadata_prior == ("age", "sex")
    assert ExperimentConfig().metadata_prior == ()
    with pytest.raises(ConfigError, match="unknown field.*'height'"):
        ExperimentConfig(metadata_prior=["height"])
