"""``python -m lesionkit`` runs the ``lesionkit`` command."""

import sys

from lesionkit.cli import main

sys.exit(main())
