"""`python -m posecheck` runs the CLI."""

import sys

from posecheck.cli import run

if __name__ == "__main__":  # not again in a batch's spawned worker processes
    sys.exit(run())
