"""Datasets as sources, one module each: ISIC 2017, HAM10000, ISIC 2018 Task 3, ISIC 2019, your own folders.

``base`` is the :class:`~lesionkit.data.sources.base.DatasetSource` protocol (build, recognise,
validate, download) and :func:`~lesionkit.data.sources.base.detect_dataset`; ``builtins``
registers every dataset in ``lesionkit.datasets``. ``synthetic`` draws lesions from a seed;
``joint`` adds other datasets' images to a training split.
"""
