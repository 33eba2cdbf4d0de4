"""The names a config is checked against, owned by the core: importing them pulls in no data or model code.

The modules that act on each name keep what it means — :mod:`lesionkit.data.splitting.balancing`
the balance modes, :mod:`lesionkit.models.freeze` the layers each freeze policy trains,
:mod:`lesionkit.runtime.precision` the precisions, :mod:`lesionkit.runtime.strategy` the
distribution strategies — and import the names from here, so the config, the task and those modules never disagree. The diagnosis
codes are :mod:`lesionkit.diagnoses`.

Example:
    >>> "oversample" in BALANCE_MODES, PRECISION_SETTINGS[0]
    (True, 'auto')
"""

from __future__ import annotations

#: The values of ``ExperimentConfig.balance``.
BALANCE_MODES: tuple[str, ...] = ("none", "paper", "class_weights", "oversample")
#: The values of ``ExperimentConfig.trainable``: which backbone stages train.
FREEZE_POLICIES: tuple[str, ...] = ("none", "conv5", "conv4_conv5", "all")
#: Names of ``distribute``: ``tf.distribute`` strategies.
STRATEGIES: tuple[str, ...] = ("default", "mirrored", "multi_worker_mirrored")
#: Names of ``precision``: Keras global dtype policies.
PRECISIONS: tuple[str, ...] = ("float32", "mixed_float16", "mixed_bfloat16")
#: What a config's ``precision`` may say: a policy, or ``"auto"`` for the one ``lesionkit tune``
#: measured faster on this host for the config's backbone and size.
PRECISION_SETTINGS: tuple[str, ...] = ("auto", *PRECISIONS)
