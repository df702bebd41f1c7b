"""Derive sample clips with exact truth from the rendered ones, without torch.

Real recordings start mid-movement, in the end position or mid-hold; carry
title and end cards, jump cuts and cross-dissolves; have an app's skeleton and
text drawn over the person; come as small portrait frames. Rendering each of
these anew needs torch; cutting, splicing and drawing over the existing
renders does not, and each such transform changes the truth in a known way.

- ``ledger``: the truth as events with their extents, rebuilt from the
  source's motion script and checked against its truth file; the transforms'
  truth rules (README.md).
- ``frames``: decoding, cards, dissolves, overlays, crops, H.264 writing.
- ``cli``: ``python -m tools.derive SPEC.toml -o samples``.

A development tool only: cv2, numpy and the standard library, plus the
torch-free parts of ``tools.render`` (scripts, truth) and posecheck's track
reader.
"""
