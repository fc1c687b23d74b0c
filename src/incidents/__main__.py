"""``python -m incidents``: see :mod:`incidents.cli`."""

import sys

from incidents.cli import main

sys.exit(main())
