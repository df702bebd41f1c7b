"""Command line: ``python -m tools.render SCRIPT.toml [...] -o samples/``.

Run from the repository root with the render venv's Python (torch and
anny installed, see README.md). ``--truth-only`` rewrites truth files
without the body model, so it runs without torch.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.render.motion import load_script
from tools.render.truth import build_truth, side_sign_warnings, write_truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.render", description=__doc__.splitlines()[0])
    parser.add_argument("scripts", nargs="+", type=Path, help="motion script(s), TOML")
    parser.add_argument("-o", "--out", type=Path, default=Path("samples"), help="output folder (default: samples)")
    parser.add_argument("--keypoints-dir", type=Path, help="also write projected COCO keypoints here (for check_detection)")
    parser.add_argument("--stills", help="comma-separated times (s): write OUT/NAME.stills.png instead of the clip")
    parser.add_argument("--truth-only", action="store_true", help="write the truth files only (no torch needed)")
    args = parser.parse_args(argv)

    scripts = [load_script(path) for path in args.scripts]  # validate all before the slow part
    for script in scripts:
        for warning in side_sign_warnings(script):
            print(f"{script.name}: WARNING {warning} (segments are written for the LEFT side)", file=sys.stderr)
    for script in scripts:
        if args.truth_only:
            args.out.mkdir(parents=True, exist_ok=True)
            write_truth(build_truth(script), args.out / f"{script.name}.truth.json")
            print(f"{script.name}: truth written")
            continue
        from tools.render.clip import render_clip, render_stills  # torch is imported only here

        if args.stills:
            args.out.mkdir(parents=True, exist_ok=True)
            path = args.out / f"{script.name}.stills.png"
            for line in render_stills(script, [float(t) for t in args.stills.split(",")], path):
                print(f"{script.name}: {line}")
            print(f"{script.name}: stills written to {path}")
            continue
        report = render_clip(script, args.out, args.keypoints_dir)
        print(
            f"{script.name}: {report.frames} frames in {report.seconds:.1f} s "
            f"({1000 * report.seconds / report.frames:.0f} ms/frame), {report.codec}, {report.megabytes:.2f} MB"
        )
    return 0
