"""Datasets, by job: ``sources/`` (one module per dataset), ``labels/``, ``splitting/``, ``loading/``, ``fetch/``, ``checks/``.

The diagnosis vocabulary every dataset maps onto is core: :mod:`lesionkit.diagnoses`.
"""
