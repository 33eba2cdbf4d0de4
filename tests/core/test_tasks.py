"""Tasks: built-in records, labels from diagnosis codes, N classes, errors, config and Split use."""

from __future__ import annotations

import numpy as np
import pytest

import lesionkit
from lesionkit import diagnoses as dx
from lesionkit.config import ConfigError, ExperimentConfig
from lesionkit.data.splitting.split import Split
from lesionkit.errors import DataError
from lesionkit.registry import UnknownComponentError
from lesionkit.task import Task, TaskError, get_task

ALL_CODES = np.arange(len(dx.DIAGNOSES))


@pytest.mark.parametrize("name, code", [("melanoma", dx.MELANOMA), ("seborrheic_keratosis", dx.SEBORRHEIC_KERATOSIS)])
def test_builtin_binary_tasks(name: str, code: int) -> None:
    task = lesionkit.tasks.get(name)
    assert isinstance(task, Task) and task.name == name
    assert task.classes == ("other", dx.DIAGNOSES[code]) and task.num_classes == 2
    assert task.positive == (dx.DIAGNOSES[code],) and task.positive_indices == (1,)
    assert task.primary_metric == "roc_auc" and task.positive_codes == (code,)
    assert task.labels(ALL_CODES).tolist() == [int(c == code) for c in ALL_CODES]  # every diagnosis has a class
    assert task.labels(ALL_CODES).dtype == np.int64


def test_task_is_frozen_and_hashable() -> None:
    task = get_task("melanoma")
    with pytest.raises(AttributeError):
        task.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError, match="immutable"):
        task.label_of[0] = 1  # type: ignore[index]
    assert hash(task) == hash(Task.one_vs_rest("melanoma", dx.MELANOMA, description=task.description))


def test_three_class_task_and_unmapped_diagnoses_counted() -> None:
    isic = Task(
        "isic2017_3class",
        ("nevus", "melanoma", "seborrheic_keratosis"),
        {dx.NEVUS: 0, dx.MELANOMA: 1, dx.SEBORRHEIC_KERATOSIS: 2},
        positive=("melanoma",),
        primary_metric="balanced_accuracy",
    )
    assert isic.num_classes == 3 and isic.positive_indices == (1,)
    assert isic.labels([2, 0, 1]).tolist() == [2, 0, 1]
    with pytest.raises(DataError) as info:
        isic.labels([0, dx.BASAL_CELL_CARCINOMA, dx.BASAL_CELL_CARCINOMA, dx.DERMATOFIBROMA, 42])
    message = str(info.value)
    assert "task 'isic2017_3class' has no class for 4 image(s)" in message
    assert "basal_cell_carcinoma (2 images)" in message and "dermatofibroma (1 image)" in message
    assert "code 42 (1 image)" in message and "nevus, melanoma, seborrheic_keratosis" in message


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"classes": ("a", "a"), "label_of": {}}, "distinct"),
        ({"classes": ("a", "b"), "label_of": {99: 0}}, "not a diagnosis code"),
        ({"classes": ("a", "b"), "label_of": {0: 2}}, "maps to class 2"),
        ({"classes": ("a", "b"), "label_of": {0: 0}, "positive": ("c",)}, "not among its classes"),
        ({"classes": ("a", "b"), "label_of": {0: 0}, "primary_metric": ""}, "primary_metric"),
    ],
)
def test_bad_task_definitions(kwargs: dict, match: str) -> None:
    with pytest.raises(TaskError, match=match):
        Task("bad", **kwargs)


def test_split_labels_take_a_task_or_its_name() -> None:
    split = Split("train", ("a", "b", "c"), np.array([0, 1, 2]), load_images=lambda size: np.zeros(0))
    assert split.labels("melanoma").tolist() == [0, 1, 0]
    assert split.labels(get_task("seborrheic_keratosis")).tolist() == [0, 0, 1]
    assert get_task("melanoma").labels(np.array([1, 1, 0])).tolist() == [1, 1, 0]
    with pytest.raises(UnknownComponentError, match="no task named 'melanom'.*Did you mean 'melanoma'"):
        split.labels("melanom")


def test_config_task_is_checked_against_the_registry() -> None:
    with pytest.raises(ConfigError, match="task = 'melanom' is not valid. Did you mean 'melanoma'"):
        ExperimentConfig(task="melanom")


def test_a_registered_task_is_a_valid_config_task() -> None:
    mel_vs_nevus = Task("mel_vs_nevus", ("nevus", "melanoma"), {dx.NEVUS: 0, dx.MELANOMA: 1})
    lesionkit.tasks.register("mel_vs_nevus", mel_vs_nevus)
    try:
        assert ExperimentConfig(task="mel_vs_nevus").task == "mel_vs_nevus"
        with pytest.raises(DataError, match="seborrheic_keratosis"):
            get_task("mel_vs_nevus").labels([0, 1, 2])
    finally:
        lesionkit.tasks.unregister("mel_vs_nevus")


def test_get_task_refuses_a_non_task_entry() -> None:
    lesionkit.tasks.register("not_a_task", lambda: None)
    try:
        with pytest.raises(TaskError, match="not a lesionkit.task.Task"):
            get_task("not_a_task")
    finally:
        lesionkit.tasks.unregister("not_a_task")


def test_describe_and_summary_of_a_task_record() -> None:
    text = lesionkit.tasks.describe("seborrheic_keratosis")
    assert text.startswith("tasks.seborrheic_keratosis = Task(name='seborrheic_keratosis'")
    assert "origin: built-in" in text and text.endswith("(ISIC 2017 part 3, task 2)")
    assert lesionkit.tasks.summary("melanoma") == "melanoma vs every other diagnosis (ISIC 2017 part 3, task 1)"


def test_a_task_from_class_names_maps_synonyms_and_own_classes() -> None:
    task = Task.from_classes(["Naevus", "mel", "basal cell carcinoma", "SCC", "AK", "sk", "other benign"])
    assert task.classes == (
        "nevus",
        "melanoma",
        "basal_cell_carcinoma",
        "squamous_cell_carcinoma",
        "actinic_keratosis",
        "seborrheic_keratosis",
        "other_benign",
    )
    codes = [dx.NEVUS, dx.SQUAMOUS_CELL_CARCINOMA, dx.class_code("other_benign")]
    assert task.labels(codes).tolist() == [0, 3, 6]
    assert task.primary_metric == "balanced_accuracy" and not task.is_binary
    with pytest.raises(DataError, match=r"no class for 1 image\(s\): dermatofibroma \(1 image\)"):
        task.labels([dx.DERMATOFIBROMA])


def test_a_grouping_of_class_names_is_a_binary_task_that_round_trips_its_spelling() -> None:
    task = Task.from_classes({"benign": ["naevus", "other_benign"], "malignant": ["melanoma", "bcc"]})
    assert task.classes == ("benign", "malignant") and task.positive == ("malignant",) and task.is_binary
    assert task.primary_metric == "roc_auc"
    assert task.labels([dx.class_code("other_benign"), dx.BASAL_CELL_CARCINOMA, dx.NEVUS]).tolist() == [0, 1, 0]
    assert get_task(task.name) == task  # the spelling is the task: a run's config.json brings it back
    config = ExperimentConfig(task=task.name)
    assert ExperimentConfig.from_json(config.to_json()).task == task.name


@pytest.mark.parametrize(
    ("spelled", "message"),
    [
        ("classes:a=nevus,b=naevus", "'nevus' is given twice"),
        ("classes:a,a", "class 'a' is given twice"),
        ("classes:a=,b", "part 'a=' is empty"),
        ("classes:", "part '' is empty"),
    ],
)
def test_a_bad_spelled_task_says_which_part(spelled: str, message: str) -> None:
    with pytest.raises(TaskError, match=message):
        get_task(spelled)
    with pytest.raises(ConfigError, match=message):
        ExperimentConfig(task=spelled)


def test_task_from_dataset_is_a_config_value_that_only_a_dataset_resolves() -> None:
    from lesionkit.data.splitting.split import dataset_task

    assert ExperimentConfig(task="from_dataset").task == "from_dataset"
    with pytest.raises(TaskError, match="takes its classes from the dataset"):
        get_task("from_dataset")
    synthetic = lesionkit.datasets.create("synthetic", sizes={"train": 12, "validation": 6})
    assert dataset_task(synthetic).classes == ("nevus", "melanoma", "seborrheic_keratosis")
