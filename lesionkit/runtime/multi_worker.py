"""What a Keras model needs to train under ``tf.distribute.MultiWorkerMirroredStrategy`` (imports Keras).

Keras 3 (TensorFlow backend; seen with Keras 3.15 and TensorFlow 2.21) fails twice under a
multi-worker strategy, on every worker, before the first epoch ends:

1. It builds a model's metrics, loss and optimizer from the first batch of
   ``fit``/``evaluate``/``predict``, which under this strategy is a structure of
   ``PerReplica`` values, and hands the whole structure to one ``strategy.reduce`` call
   that only takes a single value ("Attempt to convert a value (PerReplica ...) to a
   Tensor"). The build only needs shapes and dtypes: the model builds from this worker's
   own replica batch instead (no collective op, the same shapes on every worker).
2. It averages each step's logs over replicas with ``strategy.reduce("MEAN", v, axis=0)``,
   which fails on the scalar loss and metric values ("Invalid reduction dimension 0 for
   input with 0 dimensions") and would average a per-class vector into one number. The
   train and test steps return each value with a leading axis of one, which that reduction
   averages over all replicas of all workers back into the value's own shape.
   Keras's metric variables are summed across replicas on every update, so every replica
   reports the same value and the average is that value: all workers log the same numbers
   (which early stopping and the best checkpoint rely on).

:func:`prepare_for_multi_worker` applies both to a model; other strategies are left alone.
"""

from __future__ import annotations

from typing import Any

import keras


def in_multi_worker_mode(strategy: Any) -> bool:
    """Whether ``strategy`` spans more than one worker process (the question Keras asks too)."""
    return bool(getattr(strategy.extended, "_in_multi_worker_mode", lambda: False)())


def prepare_for_multi_worker(model: Any, strategy: Any) -> Any:
    """Let ``model`` build, train and evaluate under a multi-worker ``strategy`` (see the module doc).

    Does nothing for other strategies, or for a Keras without these hooks (the model then
    runs as Keras has it). Returns ``model``.
    """
    if not in_multi_worker_mode(strategy) or not hasattr(model, "_maybe_symbolic_build"):
        return model
    import tensorflow as tf

    def local(value: Any) -> Any:
        if isinstance(value, tf.distribute.DistributedValues):
            return strategy.experimental_local_results(value)[0]
        return value

    def maybe_symbolic_build(iterator: Any = None, data_batch: Any = None) -> None:
        if iterator is not None:
            for _, _, batches in iterator:  # the first batch; Keras resets the iterator after
                data_batch = keras.tree.map_structure(local, next(batches))
                break
        with strategy.scope():
            model._symbolic_build(data_batch=data_batch)

    def per_replica_axis(value: Any) -> Any:
        return tf.expand_dims(value, 0) if tf.is_tensor(value) else value

    def with_replica_axis(step: Any) -> Any:
        def run(data: Any) -> Any:
            return keras.tree.map_structure(per_replica_axis, step(data))

        return run

    model._maybe_symbolic_build = maybe_symbolic_build
    model.train_step = with_replica_axis(model.train_step)
    model.test_step = with_replica_axis(model.test_step)
    return model
