"""``own_data``: the single-dataset CPU recipe on one's own images, in whatever classes their folders name.

The folder dataset (:mod:`lesionkit.data.sources.folder`) reads class folders or a label CSV in any
taxonomy: known diagnoses in any spelling map to the shared codes (``naevus/`` is nevus,
``bcc/`` basal cell carcinoma), other names are classes of their own (``other_benign/``). The
preset's task is ``from_dataset``: one class per class found, spelled out in the run's config
when the Trainer reads the data. The rest is ``isic2017_3class_scratch``: a ResNet-18 from scratch
at 64 px, tf-native colour and geometry augmentation, AdamW with warm-up and cosine decay.
Splits come from ``train/``, ``validation/``, ``test/`` folders (or a ``split`` column) where
given, else from a seeded draw per class (15 % validation, 15 % test)::

    lesionkit fit own_data --data-dir my_lesions --run-dir runs/mine

Example:
    >>> own_data_config().task, own_data_config().dataset.name, own_data_config().backbone.name
    ('from_dataset', 'folder', 'resnet18')
"""

from __future__ import annotations

from lesionkit.config import ComponentSpec, ExperimentConfig
from lesionkit.presets.dermoscopy import dermo_configs
from lesionkit.task import FROM_DATASET

#: The recipe ``own_data`` follows: the best one measured without ImageNet on a single dataset.
BASE_RECIPE = "isic2017_3class_scratch"

OWN_DATA_DESCRIPTION = (
    "Your own images in your own classes (class folders or a label CSV): ResNet-18 from scratch, 64 px.\n\n"
    "One class per class folder or diagnosis value (known diagnoses in any spelling map to lesionkit's "
    f"codes; other names are classes of their own); otherwise {BASE_RECIPE}: ResNet-18 from scratch, 64 px, "
    "AdamW with cosine decay. Pass --data-dir."
)


def own_data_config() -> ExperimentConfig:
    """The config of preset ``own_data``: :data:`BASE_RECIPE` on the ``folder`` dataset, task ``from_dataset``."""
    return dermo_configs()[BASE_RECIPE].evolve(
        name="own_data",
        description=OWN_DATA_DESCRIPTION.splitlines()[0],
        task=FROM_DATASET,
        dataset=ComponentSpec("folder"),
    )
