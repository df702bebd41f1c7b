"""tools/derive's phone orientation transform: what a spec may ask of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.derive.cli import main


def _spec(tmp_path: Path, *transforms: str) -> Path:
    body = "\n".join(f"[[transform]]\n{t}\n" for t in transforms)
    path = tmp_path / "spec.toml"
    path.write_text(f'name = "x"\nsource = "squat_front_far"\n{body}')
    return path


@pytest.mark.parametrize(
    ("transforms", "error"),
    [
        (("stored_rotated_deg = 45",), "must be 90, 180 or 270"),
        (("stored_rotated_deg = 90", "trim_start_s = 1.0"), "come last"),
    ],
)
def test_a_stored_rotation_is_a_quarter_turn_and_comes_last(tmp_path, capsys, transforms, error):
    assert main([str(_spec(tmp_path, *transforms)), "--truth-only"]) == 2
    assert error in capsys.readouterr().err


def test_a_stored_rotation_keeps_the_truth(tmp_path, capsys):
    assert main([str(_spec(tmp_path, "stored_rotated_deg = 270")), "--truth-only"]) == 0
    assert "640x480, reps 5, partial 1" in capsys.readouterr().out


def test_thinning_keeps_the_truth_and_comes_last(tmp_path, capsys):
    assert main([str(_spec(tmp_path, "thin_s = [2.0, 6.0]")), "--truth-only"]) == 0
    assert "338 frames 640x480, reps 5, partial 1" in capsys.readouterr().out  # 368 - 30 dropped
    assert main([str(_spec(tmp_path, "thin_s = [2.0, 6.0]", "stored_rotated_deg = 90")), "--truth-only"]) == 2
    assert "come last" in capsys.readouterr().err
