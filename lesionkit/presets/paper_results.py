"""The paper's test-set results (ISIC 2017, 600 images), printed beside ours in reports.

Example:
    >>> PAPER_RESULTS["melanoma_conv5"]["roc_auc"]
    0.6303
"""

from __future__ import annotations

PAPER_RESULTS: dict[str, dict[str, float]] = {
    "melanoma_resnet50_scratch": dict(accuracy=0.4483, recall=0.77, precision=0.2297, f1=0.3547, roc_auc=0.5731),
    "melanoma_resnet101_scratch": dict(accuracy=0.476, recall=0.4957, precision=0.2283, f1=0.3126, roc_auc=0.5449),
    "melanoma_conv5": dict(accuracy=0.7333, recall=0.4615, precision=0.3576, f1=0.4029, roc_auc=0.6303),
    "melanoma_conv4_conv5": dict(accuracy=0.7867, recall=0.3162, precision=0.4352, f1=0.3663, roc_auc=0.6084),
    "seborrheic_keratosis_resnet50_scratch": dict(
        accuracy=0.5, recall=0.4444, precision=0.1379, f1=0.2105, roc_auc=0.4771
    ),
    "seborrheic_keratosis_resnet101_scratch": dict(
        accuracy=0.5617, recall=0.3, precision=0.1189, f1=0.1703, roc_auc=0.4539
    ),
    "seborrheic_keratosis_conv5": dict(accuracy=0.715, recall=0.6666, precision=0.2985, f1=0.4123, roc_auc=0.695),
    "seborrheic_keratosis_conv4_conv5": dict(
        accuracy=0.8267, recall=0.4333, precision=0.4239, f1=0.4285, roc_auc=0.6647
    ),
}
