"""``python -m skspec``: the ``skspec`` command."""

import sys

from .cli import main

sys.exit(main())
