"""Images into arrays: decoding, the resized-image cache, the tf.data pipeline, progress bars."""
