"""``python -m tools.derive``: see ``tools.derive.cli``."""

import sys

from tools.derive.cli import main

sys.exit(main())
