"""The one vocabulary of lesion diagnoses that every dataset maps its labels onto.

A :class:`~lesionkit.data.split.Split` holds one integer code per image; the code
indexes :data:`DIAGNOSES`. The first three codes are ISIC 2017's (and keep their
historic values); the rest cover HAM10000, ISIC 2018 Task 3 and ISIC 2019. Tasks
(``lesionkit.tasks``) turn codes into class labels, so a dataset never needs to know
which task it is trained for.

Datasets spell diagnoses their own way (``"mel"`` in HAM10000, ``"MEL"`` in ISIC 2018's
ground truth, ``"AK"`` in ISIC 2019); :func:`diagnosis_code` reads all of them.

Example:
    >>> diagnosis_code("MEL") == diagnosis_code("melanoma") == MELANOMA
    True
    >>> DIAGNOSES[diagnosis_code("bkl")]
    'benign_keratosis'
"""

from __future__ import annotations

from lesionkit.errors import LesionkitError

DIAGNOSES: tuple[str, ...] = (
    "nevus",
    "melanoma",
    "seborrheic_keratosis",
    "basal_cell_carcinoma",
    "actinic_keratosis",  # HAM10000/ISIC 2018 "akiec" (with intraepithelial carcinoma), ISIC 2019 "AK"
    "benign_keratosis",  # "bkl": solar lentigo, seborrheic keratosis, lichen-planus-like keratosis
    "dermatofibroma",
    "vascular_lesion",
    "squamous_cell_carcinoma",
    "unknown",  # ISIC 2019's UNK: none of the above
)
(
    NEVUS,
    MELANOMA,
    SEBORRHEIC_KERATOSIS,
    BASAL_CELL_CARCINOMA,
    ACTINIC_KERATOSIS,
    BENIGN_KERATOSIS,
    DERMATOFIBROMA,
    VASCULAR_LESION,
    SQUAMOUS_CELL_CARCINOMA,
    UNKNOWN,
) = range(len(DIAGNOSES))

# How the published datasets spell each diagnosis (compared lower-cased).
ALIASES: dict[str, int] = {
    "nv": NEVUS,
    "mel": MELANOMA,
    "sk": SEBORRHEIC_KERATOSIS,
    "seborrheic keratosis": SEBORRHEIC_KERATOSIS,
    "bcc": BASAL_CELL_CARCINOMA,
    "akiec": ACTINIC_KERATOSIS,
    "ak": ACTINIC_KERATOSIS,
    "bkl": BENIGN_KERATOSIS,
    "df": DERMATOFIBROMA,
    "vasc": VASCULAR_LESION,
    "scc": SQUAMOUS_CELL_CARCINOMA,
    "unk": UNKNOWN,
}


class UnknownDiagnosisError(LesionkitError, ValueError):
    """A diagnosis spelling that no dataset uses; the message lists the known ones."""


def diagnosis_code(name: str) -> int:
    """The code of a diagnosis, from its canonical name or any dataset's spelling.

    Raises:
        UnknownDiagnosisError: ``name`` is not a known diagnosis.
    """
    key = str(name).strip().lower().replace("-", "_")
    for candidate in (key, key.replace("_", " ")):
        if candidate in ALIASES:
            return ALIASES[candidate]
    if key in DIAGNOSES:
        return DIAGNOSES.index(key)
    raise UnknownDiagnosisError(
        f"unknown diagnosis {name!r}; use one of {', '.join(DIAGNOSES)} "
        f"(or a dataset's code: {', '.join(sorted(ALIASES))})"
    )


def diagnosis_counts(codes: object) -> dict[str, int]:
    """Images per diagnosis name, for the diagnoses that occur, in code order.

    Example:
        >>> diagnosis_counts([5, 1, 1, 9])
        {'melanoma': 2, 'benign_keratosis': 1, 'unknown': 1}
    """
    import numpy as np

    values = np.asarray(codes, dtype=np.int64).ravel()
    return {DIAGNOSES[int(c)]: int(n) for c, n in zip(*np.unique(values, return_counts=True))}
