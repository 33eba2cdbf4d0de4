"""Predict a folder of images with a trained run and write an ISIC 2017 submission CSV.

Usage:
    python examples/predict_folder.py RUN_DIR IMAGE_FOLDER -o predictions.csv [--with SK_RUN_DIR]

The same as ``lesionkit predict RUN_DIR IMAGE_FOLDER -o predictions.csv``; this shows the
Python calls behind it. Images that cannot be decoded are skipped and reported.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lesionkit import Trainer
from lesionkit.cli.cmd_predict import collect_images
from lesionkit.evaluation.prediction.predict import predict_files, write_submission


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir")
    parser.add_argument("images")
    parser.add_argument("-o", "--output", default="predictions.csv")
    parser.add_argument("--with", dest="other")
    args = parser.parse_args(argv)

    files = collect_images([args.images])
    columns = {}
    for run_dir in [args.run_dir] + ([args.other] if args.other else []):
        task, probabilities, skipped = predict_files(Trainer.from_run(run_dir), files)
        columns[task] = probabilities
        for path, reason in skipped:
            print(f"skipped {path}: {reason}")
    written, skipped_count = write_submission(args.output, files, columns)
    print(f"{written} predictions written to {args.output}, {skipped_count} skipped")
    return Path(args.output)


if __name__ == "__main__":
    main()
