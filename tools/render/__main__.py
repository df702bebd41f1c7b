"""``python -m tools.render``: see ``tools.render.cli``."""
import sys

from tools.render.cli import main

sys.exit(main())
