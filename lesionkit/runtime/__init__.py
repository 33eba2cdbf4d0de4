"""Where and how lesionkit runs: the CPU settings chosen before TensorFlow, precision, distribution.

One module per concern, each importable without TensorFlow unless it says otherwise:

- :mod:`~lesionkit.runtime.settings`: oneDNN, thread pools and XLA put in force before TensorFlow
  is imported (:func:`configure_runtime`; your environment > host profile > defaults);
- :mod:`~lesionkit.runtime.variables`: the environment variables that carry them;
- :mod:`~lesionkit.runtime.host`, :mod:`~lesionkit.runtime.profile`: the host a profile is keyed
  by, and the profile ``lesionkit tune`` caches;
- :mod:`~lesionkit.runtime.tuning`: what ``lesionkit tune`` measures and how it chooses;
- :mod:`~lesionkit.runtime.throughput`: the measurement itself (run in a fresh process);
- :mod:`~lesionkit.runtime.precision`: the Keras dtype policy, ``precision="auto"`` resolved;
- :mod:`~lesionkit.runtime.strategy`, :mod:`~lesionkit.runtime.cluster`,
  :mod:`~lesionkit.runtime.multi_worker`: ``tf.distribute`` strategies, the workers of a
  multi-worker run and ``TF_CONFIG``, what a Keras model needs under several workers;
- :mod:`~lesionkit.runtime.errors`: their errors and warnings.

Example:
    >>> from lesionkit.runtime import resolve_settings
    >>> resolve_settings("infer", environ={"TF_NUM_INTRAOP_THREADS": "1"}, profile=None)["intra_op_threads"].value
    1
"""

from __future__ import annotations

from lesionkit.runtime.settings import active_settings, configure_runtime, ensure_runtime, resolve_settings

__all__ = ["active_settings", "configure_runtime", "ensure_runtime", "resolve_settings"]
