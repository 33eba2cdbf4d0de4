"""The shared diagnosis vocabulary: every dataset spelling maps onto one code."""

from __future__ import annotations

import pytest

from lesionkit.data import diagnoses as dx
from lesionkit.data.split import CLASS_NAMES, MELANOMA, NEVUS, SEBORRHEIC_KERATOSIS


def test_isic2017_codes_keep_their_values():
    assert dx.DIAGNOSES[: len(CLASS_NAMES)] == CLASS_NAMES
    assert (dx.NEVUS, dx.MELANOMA, dx.SEBORRHEIC_KERATOSIS) == (NEVUS, MELANOMA, SEBORRHEIC_KERATOSIS)


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("MEL", dx.MELANOMA),
        ("nv", dx.NEVUS),
        ("AKIEC", dx.ACTINIC_KERATOSIS),
        ("AK", dx.ACTINIC_KERATOSIS),
        ("bkl", dx.BENIGN_KERATOSIS),
        ("Seborrheic Keratosis", dx.SEBORRHEIC_KERATOSIS),
        ("seborrheic-keratosis", dx.SEBORRHEIC_KERATOSIS),
        ("UNK", dx.UNKNOWN),
        ("vascular_lesion", dx.VASCULAR_LESION),
    ],
)
def test_dataset_spellings(spelling, code):
    assert dx.diagnosis_code(spelling) == code


def test_unknown_spelling_lists_the_known_ones():
    with pytest.raises(dx.UnknownDiagnosisError, match="unknown diagnosis 'lentigo'.*melanoma"):
        dx.diagnosis_code("lentigo")
