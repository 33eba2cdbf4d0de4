"""The one vocabulary of lesion diagnoses that every dataset maps its labels onto.

A :class:`~lesionkit.data.splitting.split.Split` holds one integer code per image; the code
indexes :data:`DIAGNOSES`. The first three codes are ISIC 2017's (and keep their
historic values); the rest cover HAM10000, ISIC 2018 Task 3 and ISIC 2019. Tasks
(``lesionkit.tasks``) turn codes into class labels, so a dataset never needs to know
which task it is trained for.

Datasets spell diagnoses their own way (``"mel"`` in HAM10000, ``"MEL"`` in ISIC 2018's
ground truth, ``"AK"`` in ISIC 2019), people too (``"naevus"``, ``"BCC"``, ``"basal cell
carcinoma"``); :func:`diagnosis_code` reads all of them. One's own data may bring classes
outside the vocabulary (``other_benign``, ``benign``/``malignant``): :func:`class_code` gives
those codes after the shared ones, so they travel through splits and tasks the same way.

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

# How the published datasets, and people, spell each diagnosis (compared lower-cased, with
# spaces and hyphens read as underscores).
ALIASES: dict[str, int] = {
    "nv": NEVUS,
    "nevi": NEVUS,
    "naevus": NEVUS,
    "naevi": NEVUS,
    "melanocytic_nevus": NEVUS,
    "melanocytic_naevus": NEVUS,
    "mel": MELANOMA,
    "sk": SEBORRHEIC_KERATOSIS,
    "seborrhoeic_keratosis": SEBORRHEIC_KERATOSIS,
    "bcc": BASAL_CELL_CARCINOMA,
    "akiec": ACTINIC_KERATOSIS,
    "ak": ACTINIC_KERATOSIS,
    "solar_keratosis": ACTINIC_KERATOSIS,
    "bkl": BENIGN_KERATOSIS,
    "df": DERMATOFIBROMA,
    "vasc": VASCULAR_LESION,
    "scc": SQUAMOUS_CELL_CARCINOMA,
    "unk": UNKNOWN,
}

#: Class names outside :data:`DIAGNOSES` that a dataset of one's own brought (``other_benign``),
#: in the order this process first met them; see :func:`class_code`.
_OWN_CLASSES: list[str] = []


class UnknownDiagnosisError(LesionkitError, ValueError):
    """A diagnosis spelling that no dataset uses; the message lists the known ones."""


def diagnosis_code(name: str) -> int:
    """The code of a diagnosis, from its canonical name or any dataset's spelling.

    Raises:
        UnknownDiagnosisError: ``name`` is not a known diagnosis.
    """
    key = class_name(name)
    if key in ALIASES:
        return ALIASES[key]
    if key in DIAGNOSES:
        return DIAGNOSES.index(key)
    raise UnknownDiagnosisError(
        f"unknown diagnosis {name!r}; use one of {', '.join(DIAGNOSES)} "
        f"(or a dataset's code: {', '.join(sorted(ALIASES))})"
    )


def class_name(name: str) -> str:
    """A class name as lesionkit spells it: lower case, spaces and hyphens as underscores.

    Raises:
        UnknownDiagnosisError: an empty name, or one with ``, = + :`` (they separate the
            parts of a task spelled out, see :mod:`lesionkit.task`).

    Example:
        >>> class_name(" Other benign ")
        'other_benign'
    """
    key = "_".join(str(name).strip().lower().replace("-", " ").split())
    if not key or any(c in key for c in ",=+:"):
        raise UnknownDiagnosisError(f"class name {name!r}: use letters, digits and underscores (e.g. other_benign)")
    return key


def class_code(name: str) -> int:
    """The code of a class name: a known diagnosis's (any spelling), else the name's own code.

    A name outside the shared vocabulary (``other_benign``, ``benign``) gets a code after
    :data:`DIAGNOSES`, the same for the same name throughout the process, so a dataset of
    one's own and a task made from its class names agree. Such codes are never written to
    disk (names are): another process may number them differently.

    Example:
        >>> class_code("Naevus") == NEVUS, class_code("BCC") == BASAL_CELL_CARCINOMA
        (True, True)
        >>> code = class_code("Other benign")
        >>> code >= len(DIAGNOSES), diagnosis_name(code), class_code("other_benign") == code
        (True, 'other_benign', True)
    """
    try:
        return diagnosis_code(name)
    except UnknownDiagnosisError:
        pass
    key = class_name(name)
    if key not in _OWN_CLASSES:
        _OWN_CLASSES.append(key)
    return len(DIAGNOSES) + _OWN_CLASSES.index(key)


def is_own_class(code: int) -> bool:
    """Whether ``code`` is a class of one's own data rather than a shared diagnosis."""
    return int(code) >= len(DIAGNOSES)


def diagnosis_name(code: int) -> str:
    """The name of a code: a shared diagnosis's, or an own class's (see :func:`class_code`).

    Raises:
        UnknownDiagnosisError: no diagnosis or own class has that code.
    """
    index = int(code)
    if 0 <= index < len(DIAGNOSES):
        return DIAGNOSES[index]
    if 0 <= index - len(DIAGNOSES) < len(_OWN_CLASSES):
        return _OWN_CLASSES[index - len(DIAGNOSES)]
    raise UnknownDiagnosisError(f"code {index} is neither a diagnosis (0..{len(DIAGNOSES) - 1}) nor a known own class")


def vocabulary_size() -> int:
    """How many codes exist now: the shared diagnoses plus the own classes met so far."""
    return len(DIAGNOSES) + len(_OWN_CLASSES)


def diagnosis_counts(codes: object) -> dict[str, int]:
    """Images per diagnosis name, for the diagnoses that occur, in code order.

    Example:
        >>> diagnosis_counts([5, 1, 1, 9])
        {'melanoma': 2, 'benign_keratosis': 1, 'unknown': 1}
    """
    import numpy as np

    values = np.asarray(codes, dtype=np.int64).ravel()
    return {diagnosis_name(int(c)): int(n) for c, n in zip(*np.unique(values, return_counts=True))}
