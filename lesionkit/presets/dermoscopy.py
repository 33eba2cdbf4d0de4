"""Recipes without ImageNet: HAM10000 pretraining, ISIC 2017 fine-tuning, joint training, and from scratch.

No ImageNet weights exist for ResNet-18, and none can be downloaded on many machines; a
dermoscopy backbone is the alternative. ``ham10000_dx7`` trains a ResNet-18 on the seven
HAM10000 diagnoses (lesion-grouped split); its run directory is then ``weights=`` of the
fine-tuning presets, which refuse to start without it::

    lesionkit fit ham10000_dx7 --data-dir HAM --run-dir runs/ham
    lesionkit fit isic2017_3class_dermo --data-dir ISIC --weights runs/ham --run-dir runs/isic

``isic2017_3class_joint`` trains on ISIC 2017 *and* HAM10000 (the ``joint`` dataset: the
HAM10000 images join ISIC 2017's training split; validation and test stay ISIC 2017's) at
64 px for 16 epochs; ``isic2017_3class_joint_long`` is the same for 40 epochs (the best of
these recipes measured: the short one stops while its training AUC still rises), and
``isic2017_3class_joint_finetune`` continues a ``isic2017_3class_joint`` run at 128 px
(progressive resizing: most epochs at the cheap size, the last ones at the size that shows
texture)::

    lesionkit fit isic2017_3class_joint_long --data-dir ISIC --extra-data-dir HAM --run-dir runs/long

    lesionkit fit isic2017_3class_joint --data-dir ISIC --extra-data-dir HAM --run-dir runs/joint
    lesionkit fit isic2017_3class_joint_finetune --data-dir ISIC --extra-data-dir HAM \
        --weights runs/joint --run-dir runs/joint128

The joint presets also fit a metadata prior on the training split's ages and sexes
(:mod:`lesionkit.evaluation.posthoc.metadata_prior`), which every evaluation combines with the image
probabilities; ``lesionkit metadata-prior RUN`` adds one to any other run.

Every recipe here is sized for two CPU cores: a ResNet-18 at 64 px (128 px for the last
fine-tuning), a few epochs.

Example:
    >>> dermo_configs()["ham10000_dx7"].task
    'dx7'
    >>> dermo_configs()["melanoma_dermo"].weights is None   # given at fit time: weights=RUN_DIR
    True
"""

from __future__ import annotations

from lesionkit.config import ComponentSpec, ExperimentConfig

#: Input size of these recipes: ResNet-18 at 64 px trains at ~40 images/s on two CPU cores.
DERMO_IMAGE_SIZE = 64
#: Colour and geometry augmentation, all tf-native (no Python in the input pipeline).
DERMO_AUGMENTATION = (
    ComponentSpec("flip"),
    ComponentSpec("rot90"),
    ComponentSpec("random_resized_crop", {"scale": [0.5, 1.0]}),
    ComponentSpec("brightness", {"factor": [0.8, 1.2]}),
    ComponentSpec("contrast", {"factor": [0.8, 1.2]}),
    ComponentSpec("saturation", {"factor": [0.8, 1.2]}),
    ComponentSpec("hue", {"delta": [-0.04, 0.04]}),
)
#: Epochs of ``isic2017_3class_joint_long``: the joint preset's 16 left its training AUC still rising
#: (0.85); 40 took it to 0.88 and validation melanoma / SK AUC from about 0.73 / 0.85 to 0.76 / 0.88
#: (images only, one seed each), in 40–43 minutes on two idle CPU cores.
JOINT_LONG_EPOCHS = 40
#: What ``weights=`` of the fine-tuning presets must be.
NEEDS_DERMO_WEIGHTS = "a finished ham10000_dx7 run directory (or its exported .keras file)"
NEEDS_JOINT_WEIGHTS = "a finished isic2017_3class_joint run directory (or its exported .keras file)"
#: Where the joint recipes' HAM10000 images are unless ``--extra-data-dir`` says otherwise.
JOINT_DATASET = ComponentSpec(
    "joint",
    {
        "dataset": "isic2017",
        "extra": [{"name": "ham10000", "params": {}}],
        # HAM10000's benign keratoses (bkl) include the seborrheic keratoses; its bcc, akiec,
        # df and vasc images have no ISIC 2017 class and are dropped (counted in a warning).
        "relabel": {"bkl": "seborrheic_keratosis"},
    },
)


def _recipe(**changes: object) -> ExperimentConfig:
    base = ExperimentConfig(
        dataset=ComponentSpec("isic2017"),
        image_size=DERMO_IMAGE_SIZE,
        augmenters=DERMO_AUGMENTATION,
        balance="none",
        backbone=ComponentSpec("resnet18"),
        weights=None,
        trainable="none",
        head=ComponentSpec("softmax"),
        loss=ComponentSpec("crossentropy"),
        optimizer=ComponentSpec("adamw"),
        learning_rate=1e-3,
        schedule=ComponentSpec("cosine", {"warmup_epochs": 1.0}),
        epochs=12,
        batch_size=32,
        tta=8,
    )
    return base.evolve(**changes)


def dermo_configs() -> dict[str, ExperimentConfig]:
    """The configs of this module's presets, by preset name."""
    scratch = ComponentSpec("resnet18", {"preprocessing": "tf"})  # [-1, 1] inputs: stable from scratch
    # What both joint presets share: the task, the ISIC 2017 + HAM10000 images, a smoothed loss,
    # and the patients' age and sex (a prior fitted on the training split; ISIC 2017 has no site).
    joint: dict[str, object] = {
        "task": "isic2017_3class",
        "dataset": JOINT_DATASET,
        "loss": ComponentSpec("crossentropy", {"label_smoothing": 0.1}),
        "metadata_prior": ("age", "sex"),
    }
    out = {
        "ham10000_dx7": _recipe(
            name="ham10000_dx7",
            description="ResNet-18 from scratch on the seven HAM10000 diagnoses: a dermoscopy backbone.",
            task="dx7",
            dataset=ComponentSpec("ham10000"),
            backbone=scratch,
            balance="class_weights",
            learning_rate=2e-3,
            epochs=10,
        ),
        "isic2017_3class_scratch": _recipe(
            name="isic2017_3class_scratch",
            description="One ResNet-18 from scratch for nevus / melanoma / seborrheic keratosis (ISIC 2017).",
            task="isic2017_3class",
            backbone=scratch,
            learning_rate=2e-3,
        ),
        "isic2017_3class_joint": _recipe(
            name="isic2017_3class_joint",
            description="ISIC 2017 three classes from scratch on ISIC 2017 + HAM10000 training images, 64 px.",
            backbone=scratch,
            learning_rate=2e-3,
            epochs=16,
            **joint,
        ),
        "isic2017_3class_joint_finetune": _recipe(
            name="isic2017_3class_joint_finetune",
            description="isic2017_3class_joint continued at 128 px on the same images (progressive resizing).",
            image_size=128,
            learning_rate=1e-3,
            epochs=10,
            **joint,
        ),
        "isic2017_3class_dermo": _recipe(
            name="isic2017_3class_dermo",
            description="ISIC 2017 three classes, fine-tuned from a ham10000_dx7 backbone.",
            task="isic2017_3class",
        ),
    }
    out["isic2017_3class_joint_long"] = out["isic2017_3class_joint"].evolve(
        name="isic2017_3class_joint_long",
        description="isic2017_3class_joint trained 2.5 times as long (40 epochs): the best recipe without ImageNet.",
        epochs=JOINT_LONG_EPOCHS,
    )
    for task in ("melanoma", "seborrheic_keratosis"):
        out[f"{task}_dermo"] = _recipe(
            name=f"{task}_dermo",
            description=f"ISIC 2017 {task.replace('_', ' ')} vs rest, fine-tuned from a ham10000_dx7 backbone.",
            task=task,
        )
    return out


#: Presets that refuse to start without ``weights=``, and what it must be.
NEEDS_WEIGHTS: dict[str, str] = {
    "isic2017_3class_dermo": NEEDS_DERMO_WEIGHTS,
    "melanoma_dermo": NEEDS_DERMO_WEIGHTS,
    "seborrheic_keratosis_dermo": NEEDS_DERMO_WEIGHTS,
    "isic2017_3class_joint_finetune": NEEDS_JOINT_WEIGHTS,
}
