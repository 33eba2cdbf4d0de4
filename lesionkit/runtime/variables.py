"""The runtime settings and the environment variables that carry them, read and checked (no TensorFlow).

Example:
    >>> ENV_VARS["intra_op_threads"], parse_env("onednn", "on")
    ('TF_NUM_INTRAOP_THREADS', True)
"""

from __future__ import annotations

from typing import Any

from lesionkit.runtime.errors import RuntimeSettingsError

#: What a process does with TensorFlow; the settings can differ between the two.
PURPOSES: tuple[str, ...] = ("train", "infer")

#: Each setting and the environment variable that carries it.
ENV_VARS: dict[str, str] = {
    "onednn": "TF_ENABLE_ONEDNN_OPTS",
    "intra_op_threads": "TF_NUM_INTRAOP_THREADS",
    "inter_op_threads": "TF_NUM_INTEROP_THREADS",
    "jit_compile": "LESIONKIT_JIT_COMPILE",
}
#: Settings TensorFlow reads when it is imported (they cannot change afterwards).
READ_AT_IMPORT: tuple[str, ...] = ("onednn", "intra_op_threads", "inter_op_threads")
#: Set to ``off`` to leave every setting to TensorFlow.
SWITCH_VAR = "LESIONKIT_RUNTIME"
#: Which variables lesionkit itself set (``NAME=value,...``), so a child process can tell
#: them from the user's own.
SET_BY_LESIONKIT_VAR = "LESIONKIT_RUNTIME_SET"
#: Where a setting's value came from.
SOURCES = ("user env", "profile", "default", "tensorflow")


def check_purpose(purpose: str) -> None:
    """Raise :class:`RuntimeSettingsError` unless ``purpose`` is one of :data:`PURPOSES`."""
    if purpose not in PURPOSES:
        raise RuntimeSettingsError(f"purpose = {purpose!r}: use one of {', '.join(PURPOSES)}")


def check_value(name: str, value: Any, where: str) -> bool | int:
    """``value`` of setting ``name`` as read from a profile; ``where`` names the file in the error."""
    if name in ("onednn", "jit_compile"):
        if isinstance(value, bool):
            return value
        raise RuntimeSettingsError(f"{where}: {name} = {value!r} should be true or false")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise RuntimeSettingsError(f"{where}: {name} = {value!r} should be a whole number of threads, 1 or more")


def parse_env(name: str, text: str) -> bool | int:
    """The value of setting ``name`` as its environment variable spells it (``"1"``, ``"4"``)."""
    var = ENV_VARS[name]
    if name in ("onednn", "jit_compile"):
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise RuntimeSettingsError(f"{var}={text!r}: use 1 (on) or 0 (off)")
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 0 or (value == 0 and text.strip() != "0"):
        raise RuntimeSettingsError(f"{var}={text!r}: use a whole number of threads (0 lets TensorFlow choose)")
    return value
