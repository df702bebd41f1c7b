"""The public API in posecheck/__init__.py: what it names exists, and its
usage example runs and gives what the sample's truth says."""

from __future__ import annotations

import contextlib
import io
import json
import re
import textwrap
from pathlib import Path

import posecheck

from conftest import ROOT, SAMPLES


def _examples() -> list[str]:
    """The indented code blocks after '::' in the package docstring."""
    doc = posecheck.__doc__ or ""
    return [textwrap.dedent(block) for block in re.findall(r"::\n\n((?:    .*\n|\n)+)", doc)]


def test_public_names_exist():
    for name in posecheck.__all__:
        assert hasattr(posecheck, name), name


def test_the_docstring_example_runs_and_counts_what_the_truth_says(monkeypatch):
    blocks = _examples()
    assert len(blocks) == 2
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    scope: dict[str, object] = {"Path": Path}
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, "posecheck.__doc__", "exec"), scope)  # noqa: S102 - the docstring's own example
    first, *events = out.getvalue().splitlines()
    truth = json.loads((SAMPLES / "neck_side_tilt_short_front.truth.json").read_text())
    reps, holds, rules = re.fullmatch(r"(\d+) \[(.*)\] \[(.*)\]", first).groups()
    assert int(reps) == truth["reps"]
    held_s = [float(x) for x in holds.split(", ")]
    assert len(held_s) == len(truth["holds"])
    for measured, true in zip(held_s, truth["holds"], strict=True):
        assert abs(measured - true["duration_s"]) <= 0.5
    assert rules == ""  # a normal exercise at a normal pace: no warning
    # Frame by frame counts what the whole-track analysis counted.
    kinds = [line.split()[-1] for line in events]
    assert kinds.count("rep") == truth["reps"]
    assert kinds.count("hold_started") == len(truth["holds"])
