"""`python -m posecheck` runs the CLI."""

import sys

from posecheck.cli import main

sys.exit(main())
