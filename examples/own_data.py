"""Train on your own images sorted into class folders, then validate on a second, external set.

Your images, one folder per diagnosis (no CSV needed); an external set with its class
folders under ``test/``, so that every one of its images is a test image::

    my_photos/melanoma/*.jpg      my_photos/nevus/*.jpg      my_photos/seborrheic_keratosis/*.jpg
    other_clinic/test/melanoma/*.jpg   other_clinic/test/nevus/*.jpg   ...

Usage:
    python examples/own_data.py my_photos --external other_clinic   # ImageNet weights, 224 px
    python examples/own_data.py --small                            # made-up folders, CPU, under a minute

The run is split 70/15/15 per class (seeded); the external set is evaluated with the
trained model as it is, and its report is kept apart from the run's own.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from lesionkit import Trainer, presets
from lesionkit.data.sources.synthetic import draw_lesion

CLASSES = ("nevus", "melanoma", "seborrheic_keratosis")


def make_class_folders(root: Path, per_class: int, seed: int) -> Path:
    """Synthetic lesions written as ``root/<class>/<id>.jpg`` (stands in for your photos)."""
    for code, name in enumerate(CLASSES):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            image = draw_lesion(code, 96, np.random.default_rng([seed, code, i]))
            Image.fromarray(image).save(root / name / f"{name[:3]}_{seed}_{i:03d}.jpg", quality=92)
    return root


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photos", nargs="?", help="folder of class folders")
    parser.add_argument("--external", help="a second folder of class folders, for external validation")
    parser.add_argument("--run-dir", default="runs/example-own-data")
    parser.add_argument(
        "--small", action="store_true", help="made-up class folders, 32 px, 1 epoch, ResNet-18 (offline, CPU)"
    )
    args = parser.parse_args(argv)

    overrides: dict = {"dataset": "folder", "run_dir": args.run_dir}
    photos, external = args.photos, args.external
    if args.small:
        work = Path(args.run_dir).parent / "example-own-data-images"
        photos = str(make_class_folders(work / "photos", per_class=12, seed=0))
        make_class_folders(work / "other_clinic" / "test", per_class=4, seed=1)
        external = str(work / "other_clinic")
        # From scratch (no download): inputs scaled to [-1, 1] ("tf"), which keeps a short
        # scratch run numerically tame, as the paper's scratch presets do.
        overrides.update(
            weights=None,
            backbone={"name": "resnet18", "params": {"preprocessing": "tf"}},
            image_size=32,
            epochs=1,
            batch_size=8,
        )
    if photos is None:
        parser.error("give the folder of class folders, or --small")
    trainer = presets.melanoma_perez2018(data_dir=photos, **overrides)
    trainer.fit(verbose=2)
    tta = 1 if args.small else None  # None: the preset's 64 test-time views
    report = trainer.evaluate("test", tta=tta)
    print(report.table())
    results = {"test": report.metrics["roc_auc"]}
    if external:
        # The same trained model on data it never saw; reports/folder-<name>-test/ keeps it apart.
        outside = Trainer.from_run(trainer.run_dir, data={"dataset": "folder", "data_dir": external})
        report = outside.evaluate("test", tta=tta)
        print(report.table())
        results["external"] = report.metrics["roc_auc"]
    return results


if __name__ == "__main__":
    main()
