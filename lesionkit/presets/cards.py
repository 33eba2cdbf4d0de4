"""The recipe card of every built-in preset: what it needs, and the figure it reached (or none).

The figures are copied from the measured tables in ``docs/reproducing.md`` (each ``source``
names the section), with the command that produced them. A preset without a figure here was
never run to the end on real data in this project: its card says "not measured", whatever its
name promises.

Example:
    >>> CARDS["isic2017_3class_joint_long"].measured.minutes
    42.5
    >>> CARDS["melanoma_perez2018"].measured is None
    True
"""

from __future__ import annotations

from lesionkit.presets.paper import PAPER_METHODS, PAPER_TASKS
from lesionkit.presets.recipe_card import Measured, RecipeCard

_REPRODUCING = "docs/reproducing.md"
_IDLE_EPYC = "2026-12-02, idle 2-core AMD EPYC (AVX-512), no GPU"
_SHARED = "2026-12-02, 2-core CPU shared with other jobs, no GPU"

CARDS: dict[str, RecipeCard] = {
    "isic2017_3class_joint_long": RecipeCard(
        needs=("isic2017", "ham10000"),
        measured=Measured(
            figure="ISIC 2017 validation melanoma / SK AUC 0.811 / 0.904 with the age/sex prior "
            "(0.760 / 0.880 images only), seed 1",
            minutes=42.5,
            command="lesionkit fit isic2017_3class_joint_long --data-dir ISIC --extra-data-dir HAM --seed 1 "
            "--minutes 55 --run-dir runs/long --evaluate validation",
            machine=_IDLE_EPYC + ", images cached at 64 px",
            source=f"{_REPRODUCING}#training-longer",
        ),
    ),
    "isic2017_3class_joint": RecipeCard(
        needs=("isic2017", "ham10000"),
        measured=Measured(
            figure="ISIC 2017 validation melanoma / SK AUC 0.793 / 0.884 with the age/sex prior "
            "(0.725 / 0.846 images only), seed 1; seeds 2 and 3 within 0.01",
            minutes="25–31",  # over the three seeds
            command="lesionkit fit isic2017_3class_joint --data-dir ISIC --extra-data-dir HAM --seed 1 "
            "--run-dir runs/s1 --evaluate validation",
            machine="2026-12-02, 2-core CPU shared with the test suite, no GPU",
            source=f"{_REPRODUCING}#patient-age-and-sex-and-ensembles",
        ),
    ),
    "isic2017_3class_joint_finetune": RecipeCard(
        needs=("isic2017", "ham10000", "joint_run"),
        measured=Measured(
            figure="ISIC 2017 validation melanoma / SK AUC 0.720 / 0.825 images only, after a 10-epoch "
            "joint stage and 9 epochs at 128 px (the 64-px stage alone: 0.749 / 0.828)",
            minutes=48.0,
            command="python benchmarks/real_accuracy.py --isic2017 ISIC --ham10000 HAM --recipes joint --minutes 60",
            machine=_IDLE_EPYC,
            source=f"{_REPRODUCING}#without-imagenet-real-isic-2017-data-on-two-cpu-cores",
        ),
    ),
    "isic2017_3class_scratch": RecipeCard(
        needs=("isic2017",),
        measured=Measured(
            figure="ISIC 2017 validation melanoma / SK AUC 0.707 / 0.762 images only, 4 of 6 planned epochs",
            minutes=11.9,
            command="python benchmarks/real_accuracy.py --isic2017 ISIC --ham10000 HAM --recipes scratch,dermo,paper "
            "--minutes 15",
            machine=_SHARED,
            source=f"{_REPRODUCING}#without-imagenet-real-isic-2017-data-on-two-cpu-cores",
        ),
    ),
    "isic2017_3class_dermo": RecipeCard(
        needs=("isic2017", "ham10000", "dermo_run"),
        measured=Measured(
            figure="ISIC 2017 validation melanoma / SK AUC 0.728 / 0.845 images only, after 2 HAM10000 "
            "epochs and 8 of 11 planned ISIC 2017 epochs, pretraining included",
            minutes=11.0,
            command="python benchmarks/real_accuracy.py --isic2017 ISIC --ham10000 HAM --recipes scratch,dermo,paper "
            "--minutes 15",
            machine=_SHARED,
            source=f"{_REPRODUCING}#without-imagenet-real-isic-2017-data-on-two-cpu-cores",
        ),
    ),
    "ham10000_dx7": RecipeCard(
        needs=("ham10000",),
        measured=Measured(
            figure="HAM10000 held-out test (895 lesions) balanced accuracy 0.552, macro AUC 0.899",
            minutes=13.9,
            command="lesionkit fit ham10000_dx7 --data-dir HAM --run-dir RUN",
            machine="2-core CPU shared with the test suite, no GPU",
            source=f"{_REPRODUCING}#without-imagenet-real-isic-2017-data-on-two-cpu-cores",
        ),
    ),
    "melanoma_dermo": RecipeCard(needs=("isic2017", "ham10000", "dermo_run")),
    "seborrheic_keratosis_dermo": RecipeCard(needs=("isic2017", "ham10000", "dermo_run")),
    "own_data": RecipeCard(needs=("own_images",)),
    "melanoma_perez2018": RecipeCard(needs=("isic2017", "imagenet", "gpu")),
    "seborrheic_keratosis_perez2018": RecipeCard(needs=("isic2017", "imagenet", "gpu")),
}
# The paper's eight: its own test figures travel as the reference row; ours were never run to the
# end (the 15-minute CPU benchmark saw under one epoch of the 224-px ResNet-50).
for _task in PAPER_TASKS:
    for _method in PAPER_METHODS:
        _needs = ("isic2017", "gpu") if "scratch" in _method else ("isic2017", "imagenet", "gpu")
        CARDS[f"{_task}_{_method}"] = RecipeCard(needs=_needs)
