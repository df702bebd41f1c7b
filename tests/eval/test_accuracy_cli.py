"""The accuracy bench's command line on bad input: one line and exit 2."""

from __future__ import annotations

from posecheck.eval import accuracy


def test_a_missing_samples_folder_is_one_line(capsys, tmp_path):
    assert accuracy.main(["--samples", str(tmp_path / "nowhere"), "--no-clips"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "no such folder" in err


def test_a_samples_folder_without_the_real_clips_table_is_one_line(capsys, tmp_path):
    samples, clips = tmp_path / "samples", tmp_path / "clips"
    samples.mkdir()
    clips.mkdir()
    (clips / "labels.tsv").write_text("clip\treps\n")
    assert accuracy.main(["--samples", str(samples), "--clips", str(clips)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "real_clips.toml: no such file" in err
