"""What a model is compiled with: the built-in losses, optimizers, learning-rate schedules and metrics.

Each kind is a registry's built-ins (``lesionkit.losses``, ``lesionkit.optimizers``,
``lesionkit.schedules``) in a module that does not import Keras at module level, so listing
them stays cheap; the Keras classes they return live in the ``keras_*`` companions, imported
only when a component is made.
"""
