"""Train one of the paper's presets, evaluate it, save the report and export the model.

Usage:
    python examples/fit_preset.py --data-dir ~/data/isic2017            # the real thing (GPU advised)
    python examples/fit_preset.py --small                               # synthetic, CPU, under a minute

``--small`` trains one epoch on 32-px synthetic lesions from random weights, offline.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lesionkit import presets


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="melanoma_conv5")
    parser.add_argument("--data-dir")
    parser.add_argument("--run-dir", default="runs/example-fit")
    parser.add_argument("--small", action="store_true", help="tiny synthetic run (offline, CPU)")
    args = parser.parse_args(argv)

    overrides: dict = {"run_dir": args.run_dir}
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    if args.small:
        overrides.update(
            dataset={"name": "synthetic", "params": {"sizes": {"train": 16, "validation": 8, "test": 16}}},
            weights=None,
            image_size=32,
            epochs=1,
            batch_size=8,
        )
    trainer = presets.create(args.preset, **overrides)
    trainer.fit(verbose=2)
    report = trainer.evaluate("test")  # also saved under run_dir/reports/test/
    print(report.table())
    print("threshold for 89 % sensitivity:", round(report.threshold_for_sensitivity(0.89), 4))
    trainer.export(Path(args.run_dir) / "model.keras")
    return float(report.metrics["roc_auc"])


if __name__ == "__main__":
    main()
