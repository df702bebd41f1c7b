"""`python -m posecheck` runs the CLI."""

import sys

from posecheck.cli import run

sys.exit(run())
