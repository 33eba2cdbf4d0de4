"""The shared diagnosis vocabulary: every dataset spelling maps onto one code."""

from __future__ import annotations

import pytest

from lesionkit import diagnoses as dx
from lesionkit.data.splitting.split import CLASS_NAMES, MELANOMA, NEVUS, SEBORRHEIC_KERATOSIS


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


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("naevus", dx.NEVUS),
        ("Nevi", dx.NEVUS),
        ("melanocytic nevus", dx.NEVUS),
        ("Basal Cell Carcinoma", dx.BASAL_CELL_CARCINOMA),
        ("basal-cell-carcinoma", dx.BASAL_CELL_CARCINOMA),
        ("actinic keratosis", dx.ACTINIC_KERATOSIS),
        ("seborrhoeic keratosis", dx.SEBORRHEIC_KERATOSIS),
        ("scc", dx.SQUAMOUS_CELL_CARCINOMA),
    ],
)
def test_common_synonyms(spelling: str, code: int) -> None:
    assert dx.diagnosis_code(spelling) == code == dx.class_code(spelling)


def test_own_class_names_get_codes_after_the_vocabulary() -> None:
    code = dx.class_code("Malignant (other)")
    assert dx.is_own_class(code) and code < dx.vocabulary_size()
    assert dx.class_code("malignant_(other)") == code and dx.diagnosis_name(code) == "malignant_(other)"
    assert dx.diagnosis_counts([code, dx.NEVUS, code]) == {"nevus": 1, "malignant_(other)": 2}
    with pytest.raises(dx.UnknownDiagnosisError, match="class name 'a,b'"):
        dx.class_code("a,b")
    with pytest.raises(dx.UnknownDiagnosisError, match="neither a diagnosis"):
        dx.diagnosis_name(dx.vocabulary_size())
