"""Cross-fitted decision rules: the arithmetic, and ``lesionkit calibrate --decision-rule`` on a real tiny run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lesionkit.evaluation.stats.cross_fit import (
    cross_fit_rule,
    cross_fitted_decisions,
    fit_rule,
    grouped_folds,
)
from lesionkit.evaluation.stats.decision_rule import DecisionRule, DecisionRuleError, balanced_accuracy_of

NAMES = ("nevus", "melanoma", "dermatofibroma")


def skewed(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A calibrated-looking model of a 80/15/5 problem: its arg-max under-calls the rare classes."""
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n, p=[0.8, 0.15, 0.05])
    logits = rng.normal(size=(n, 3)) + 1.5 * np.eye(3)[y] + np.log([0.8, 0.15, 0.05])
    return y, np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)


def test_grouped_folds_keep_each_lesion_in_one_fold_and_every_fold_used() -> None:
    labels = np.repeat([0, 1], [30, 10])
    groups = np.repeat(np.arange(20), 2)  # two images per lesion
    folds = grouped_folds(labels, groups, k=4, seed=3)
    for lesion in range(20):
        assert len(set(folds[groups == lesion].tolist())) == 1
    assert sorted(set(folds.tolist())) == [0, 1, 2, 3]
    assert (folds == grouped_folds(labels, groups, k=4, seed=3)).all()  # seeded


def test_cross_fitted_decisions_come_from_rules_that_never_saw_the_image() -> None:
    y, p = skewed(300, seed=1)
    folds = grouped_folds(y, None, k=3, seed=0)
    decisions = cross_fitted_decisions(y, p, NAMES, folds, kind="prior")
    for f in range(3):  # by hand: fit on the other folds, decide this one
        held = folds == f
        rule = fit_rule(y[~held], p[~held], NAMES, kind="prior")
        assert (decisions[held] == rule.apply(p[held])).all()


def test_the_rule_wins_on_a_skewed_problem_and_the_gain_is_what_balanced_accuracy_says() -> None:
    y, p = skewed(600, seed=2)
    result = cross_fit_rule(y, p, NAMES, kind="prior", folds=5, repeats=3)
    assert result.argmax_balanced_accuracy == pytest.approx(balanced_accuracy_of(y, p.argmax(axis=1), 3))
    assert result.rule_range[0] <= result.rule_balanced_accuracy <= result.rule_range[1]
    assert result.rule_wins and result.gain > 0.05
    assert result.gain == pytest.approx(result.rule_balanced_accuracy - result.argmax_balanced_accuracy)
    assert "prior rule cross-fitted" in result.describe()
    assert result.rule == fit_rule(y, p, NAMES, kind="prior")  # the one to keep: fitted on all the images


def test_a_balanced_well_ranked_problem_gives_the_rule_nothing_to_win() -> None:
    y = np.repeat([0, 1, 2], 60)
    p = np.full((180, 3), 0.1)
    p[np.arange(180), y] = 0.8  # the arg-max is already perfect
    result = cross_fit_rule(y, p, NAMES, kind="per_class", folds=3, repeats=2)
    assert result.argmax_balanced_accuracy == 1.0 and not result.rule_wins


def test_cross_fit_refuses_what_it_cannot_do() -> None:
    y, p = skewed(60, seed=0)
    with pytest.raises(DecisionRuleError, match="at least 2 folds"):
        grouped_folds(y, None, k=1)
    with pytest.raises(DecisionRuleError, match="one lesion id per image"):
        grouped_folds(y, ["a"], k=2)
    with pytest.raises(DecisionRuleError, match="give one of prior, per_class"):
        cross_fit_rule(y, p, NAMES, kind="thresholds")
    with pytest.raises(DecisionRuleError, match="repeats=0"):
        cross_fit_rule(y, p, NAMES, repeats=0)


# ------------------------------------------------------------------- through the command line


@pytest.fixture(scope="module")
def three_class_copy(three_class_run, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    return three_class_run.copy_to(tmp_path_factory.mktemp("runs"), "rule")


def test_calibrate_keeps_a_rule_the_run_then_decides_with(three_class_copy: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from lesionkit import Trainer
    from lesionkit.cli import main

    args = ["calibrate", str(three_class_copy), "--decision-rule", "prior", "--folds", "2", "--repeats", "2"]
    assert main([*args, "--keep-rule"]) == 0
    out = capsys.readouterr().out
    assert "balanced accuracy arg-max" in out and "prior rule cross-fitted" in out and "kept in" in out
    record = json.loads((three_class_copy / "decision_rule.json").read_text())
    rule = DecisionRule.from_dict(record)
    assert rule.class_names == ("nevus", "melanoma", "seborrheic_keratosis") and rule.fitted_on == "validation"

    trainer = Trainer.from_run(three_class_copy)
    images = trainer.split("test").load_images(trainer.config.image_size)
    probabilities = trainer.predict(images)
    assert (trainer.posthoc.decide(probabilities) == rule.apply(probabilities)).all()

    # Calibrating again without --decision-rule moves the rule to the new temperature: same decisions.
    calibration = json.loads((three_class_copy / "calibration.json").read_text())
    calibration["temperature"] *= 2  # as if the kept temperature were another one: the refit changes it
    (three_class_copy / "calibration.json").write_text(json.dumps(calibration))
    strong = DecisionRule(rule.class_names, (1.0, -0.2, -0.8))  # offsets that do change decisions
    (three_class_copy / "decision_rule.json").write_text(json.dumps(strong.to_dict()))
    before = Trainer.from_run(three_class_copy).posthoc
    assert main(["calibrate", str(three_class_copy)]) == 0
    assert "the kept decision rule moved to the new scale" in capsys.readouterr().out
    after = Trainer.from_run(three_class_copy).posthoc
    t_before, t_after = before.temperature.temperature, after.temperature.temperature
    assert t_after != pytest.approx(t_before)
    # Offsets o on log p / T decide as o * T / T' on log p / T' (the rows' log-sum-exp cancels).
    np.testing.assert_allclose(
        after.decision_rule.offsets, np.asarray(before.decision_rule.offsets) * t_before / t_after, rtol=1e-9
    )
    raw = np.random.default_rng(0).dirichlet([0.5, 0.5, 0.5], size=2000)  # many network outputs, not 12
    assert (after.decide(after.apply(raw)) == before.decide(before.apply(raw))).all()


def test_calibrate_drops_a_rule_that_does_not_win(three_class_run, tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from lesionkit.cli import main
    from lesionkit.evaluation.stats import cross_fit

    run = three_class_run.copy_to(tmp_path)
    assert (
        main(["calibrate", str(run), "--decision-rule", "prior", "--folds", "2", "--repeats", "1", "--keep-rule"]) == 0
    )
    assert (run / "decision_rule.json").is_file()
    # Make the cross-fit lose whatever the tiny model predicts: the rule is not kept, the old one removed.
    real = cross_fit.cross_fit_rule

    def losing(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(*args, **kwargs)
        return cross_fit.CrossFit(
            kind=result.kind,
            folds=result.folds,
            repeats=result.repeats,
            argmax_balanced_accuracy=1.0,
            rule_balanced_accuracy=0.5,
            rule_range=(0.5, 0.5),
            decisions=result.decisions,
            rule=result.rule,
        )

    monkeypatch.setattr(cross_fit, "cross_fit_rule", losing)
    assert main(["calibrate", str(run), "--decision-rule", "per_class", "--folds", "2", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "not kept (the earlier rule was removed)" in out
    assert not (run / "decision_rule.json").exists()


def test_calibrate_refuses_rule_options_that_do_not_fit(binary_run, capsys) -> None:  # type: ignore[no-untyped-def]
    from lesionkit.cli import main

    assert main(["calibrate", str(binary_run.path), "--decision-rule", "prior"]) == 2
    assert "a binary run decides at a threshold" in capsys.readouterr().err
    assert main(["calibrate", str(binary_run.path), "--folds", "3"]) == 2
    assert "go with --decision-rule" in capsys.readouterr().err
    assert main(["calibrate", str(binary_run.path), "--decision-rule", "prior", "--youden"]) == 2
    assert "give one" in capsys.readouterr().err


def test_a_report_counts_the_rules_decisions_and_keeps_the_argmax_beside(three_class_run) -> None:  # type: ignore[no-untyped-def]
    from lesionkit.evaluation.posthoc.chain import PostHoc
    from lesionkit.evaluation.reports.evaluate import evaluate_split
    from lesionkit.evaluation.stats.metrics import multiclass_metrics

    trainer = three_class_run.trainer()
    split = trainer.split("test")
    y = split.labels(trainer.task)
    names = trainer.task.classes
    # A model whose arg-max calls everything a nevus, while the true class is always second:
    # the rule (nevus -1) decides every image right; the arg-max gets one class of three.
    p = np.where(np.eye(3)[y] == 1, 0.3, 0.2)
    p[:, 0] = np.where(y == 0, 0.8, 0.5)
    p[y == 0, 1:] = 0.1
    rule = DecisionRule(names, (-1.0, 0.0, 0.0))
    report = evaluate_split(
        lambda images, views: p,
        split,
        name="stub",
        task=trainer.task,
        image_size=trainer.config.image_size,
        bootstrap=200,
        posthoc=PostHoc(names, decision_rule=rule),
    )
    decided = rule.apply(p)
    assert (decided == y).all() and (p.argmax(axis=1) == 0).all()
    plain = multiclass_metrics(y, p, names)
    assert report.metrics["balanced_accuracy"] == 1.0 and report.metrics["accuracy"] == 1.0
    assert (
        report.metrics["argmax_balanced_accuracy"] == pytest.approx(plain["balanced_accuracy"]) == pytest.approx(1 / 3)
    )
    assert report.metrics["argmax_accuracy"] == pytest.approx(np.mean(y == 0))
    assert report.metrics["macro_auc"] == pytest.approx(plain["macro_auc"])  # the ranking is untouched
    np.testing.assert_array_equal(report.confusion_matrix, np.diag(np.bincount(y, minlength=3)))
    assert report.clinical.intervals["balanced_accuracy"].estimate == 1.0
    assert report.clinical.intervals["accuracy"].estimate == 1.0
    assert "balanced accuracy (arg-max)" in report.table()
