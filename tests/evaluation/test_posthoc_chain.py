"""One run's post-hoc chain (prior → temperature → threshold, TTA views) decides alike along every path.

A tiny run gets a metadata prior, a temperature and a frozen threshold; the Trainer, an Ensemble
of that one run and the exported model alone must then give the same probabilities (to float
noise) and the same decisions on the same images and patient fields.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import numpy as np
import pytest
from PIL import Image

from lesionkit import Ensemble, Trainer, load_model
from lesionkit.config import ExperimentConfig
from lesionkit.errors import DataError
from lesionkit.evaluation.posthoc.chain import PostHoc
from lesionkit.evaluation.posthoc.metadata_prior import MetadataPrior
from lesionkit.evaluation.posthoc.run_calibration import fit_run_decision_rule
from lesionkit.evaluation.prediction.exported import predict_exported
from lesionkit.evaluation.prediction.model_description import ModelDescription, read_model_description
from lesionkit.evaluation.stats.operating_point import OperatingPoint
from lesionkit.runs import RunDir
from lesionkit.task import get_task

RUN = dict(
    name="chain",
    dataset={"name": "synthetic", "params": {"sizes": {"train": 16, "validation": 4, "test": 10}}},
    backbone={"name": "resnet18", "params": {"preprocessing": "tf"}},
    weights=None,
    image_size=32,
    batch_size=8,
    epochs=1,
    tta=2,
    augmenters=[{"name": "flip"}],
)
TEMPERATURE = 1.7
#: Probabilities along other paths (a loaded .keras file, one batch of another size) agree to ~1e-6.
AGREE = 1e-5


def patients(n: int, seed: int) -> dict[str, list[object]]:
    """Invented patient fields (age, sex) for ``n`` images; some unknown, as in the ISIC metadata."""
    rng = np.random.default_rng(seed)
    ages = [None if i % 5 == 0 else float(rng.integers(20, 85)) for i in range(n)]
    return {"age": ages, "sex": [("female", "male")[int(v)] for v in rng.integers(0, 2, n)]}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[object]]]:
    """A trained run with a prior, a temperature and a threshold that splits its test images."""
    run_dir = tmp_path_factory.mktemp("runs") / "chain"
    trainer = Trainer({**RUN, "run_dir": str(run_dir)})
    trainer.fit(verbose=0)
    train, task = trainer.split("train"), get_task("melanoma")
    prior = MetadataPrior.fit(patients(len(train), 0), train.labels(task), classes=task.classes, chosen_on="train")
    prior.save(trainer.run.metadata_prior_file)
    record = {"temperature": TEMPERATURE, "kind": "binary", "chosen_on": "validation", "n_cases": 4}
    trainer.run.write_calibration({**record, "nll_before": 0.7, "nll_after": 0.6})
    test = trainer.split("test")
    seen = patients(len(test), 1)
    calibrated = np.sort(Trainer.from_run(run_dir).predict(test.load_images(32), tta=2, metadata=seen))
    gaps = np.diff(calibrated)
    middle = int(np.argmax(gaps[2:-2])) + 2  # a wide gap with images on both sides
    assert gaps[middle] > 100 * AGREE, f"the tiny model scored its test images alike: {calibrated}"
    threshold = float(calibrated[middle] + gaps[middle] / 2)
    trainer.run.write_operating_point({"threshold": threshold, "rule": "youden", "chosen_on": "validation"})
    return run_dir, seen


def test_trainer_ensemble_and_exported_model_decide_alike(
    run: tuple[Path, dict[str, list[object]]], tmp_path: Path
) -> None:
    run_dir, seen = run
    trainer = Trainer.from_run(run_dir)
    chain = trainer.posthoc
    again = PostHoc.from_run(RunDir(run_dir), trainer.config)  # the one reader of the run's files
    assert chain.prior is not None and again.prior is not None and chain.prior.to_dict() == again.prior.to_dict()
    assert chain.evolve(prior=None) == again.evolve(prior=None)
    assert chain.temperature is not None and chain.operating_point is not None
    images = trainer.split("test").load_images(32)
    p_trainer = trainer.predict(images, tta=2, metadata=seen)
    decided = chain.decide(p_trainer)
    assert 0 < decided.sum() < len(decided)  # the frozen threshold splits the images

    member = Trainer.from_run(run_dir)
    # The synthetic split has no patient fields: give the member's test split the same invented ones.
    member._splits["test"] = attrs.evolve(member.split("test"), metadata={k: tuple(v) for k, v in seen.items()})
    ensemble = Ensemble([member])
    p_ensemble = ensemble.predict_split("test", tta=2)
    np.testing.assert_allclose(p_ensemble, p_trainer, atol=AGREE)
    assert ensemble.posthoc.operating_point == chain.operating_point

    trainer.export(tmp_path / "chain.keras")
    model = load_model(tmp_path / "chain.keras")
    description = read_model_description(model)
    assert description is not None and PostHoc.from_description(description).threshold == chain.threshold
    files = []
    for i, image in enumerate(images):  # PNG is lossless: the exported model sees the same pixels
        files.append(tmp_path / f"img{i}.png")
        Image.fromarray(image).save(files[-1])
    exported = predict_exported(model, description, files, patients=seen)
    np.testing.assert_allclose(exported.probabilities[:, 1], p_trainer, atol=AGREE)

    names = list(chain.classes)
    assert [names[i] for i in decided] == chain.decide_names(p_trainer)
    assert ensemble.posthoc.decide(p_ensemble).tolist() == decided.tolist()
    assert [names.index(d) for d in exported.decisions] == decided.tolist()


def test_each_link_of_the_chain_changes_what_comes_out(run: tuple[Path, dict[str, list[object]]]) -> None:
    run_dir, seen = run
    trainer = Trainer.from_run(run_dir)
    images = trainer.split("test").load_images(32)
    full = trainer.predict(images, tta=2, metadata=seen)
    assert not np.allclose(full, trainer.predict(images, tta=2))  # without patient fields: no prior
    trainer.temperature = None
    uncalibrated = trainer.predict(images, tta=2, metadata=seen)
    assert not np.allclose(full, uncalibrated) and trainer.posthoc.temperature is None
    assert not np.allclose(uncalibrated, trainer.predict(images, tta=1, metadata=seen))  # the TTA views count
    at_half = trainer.posthoc.evolve(operating_point=None)
    assert at_half.threshold == 0.5
    low = OperatingPoint(0.0, "fixed", "given")
    assert trainer.posthoc.evolve(operating_point=low).decide(full).tolist() == [1] * len(full)


def test_a_multi_class_run_decides_with_its_decision_rule_along_every_path(tmp_path: Path) -> None:
    config = ExperimentConfig(name="three", task="isic2017_3class", dataset="synthetic")
    run = RunDir(tmp_path / "three")
    run.create(config, {})
    probabilities = np.array([[0.6, 0.3, 0.1], [0.5, 0.1, 0.4], [0.2, 0.7, 0.1], [0.55, 0.05, 0.4]])
    labels = [0, 2, 1, 2]  # the arg-max misses both keratoses
    assert PostHoc.from_run(run, config).decide(probabilities).tolist() == [0, 0, 1, 0]
    rule = fit_run_decision_rule(run, labels, probabilities, get_task(config.task).classes)
    chain = PostHoc.from_run(run, config)
    assert chain.decision_rule == rule
    assert chain.decide(probabilities).tolist() == rule.apply(probabilities).tolist() == labels
    description = ModelDescription(
        name="three", task=config.task, classes=chain.classes, image_size=32, decision_rule=rule.to_dict()
    )
    exported = PostHoc.from_description(ModelDescription.from_dict(description.to_dict()))
    assert exported.decide_names(probabilities) == chain.decide_names(probabilities)
    member = Trainer(config)  # no weights needed: the ensemble's decisions come from its chain
    member.posthoc = chain
    assert Ensemble([member]).posthoc.decide(probabilities).tolist() == labels
    with pytest.raises(DataError, match="not on 'test'"):
        fit_run_decision_rule(run, labels, probabilities, chain.classes, split="test")
