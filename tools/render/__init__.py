"""Render sample exercise clips of a parametric body with exactly known truth.

A development tool only: it needs torch and anny (see README.md), which the
posecheck runtime never imports. The modules split the work so that the
torch-free parts (channels, motion scripts, truth) can be read and tested
without the heavy dependencies:

- ``channels``: the named angle channels and the bones each one rotates.
- ``motion``: TOML motion scripts, expanded into a per-frame timeline.
- ``truth``: the ``<clip>.truth.json`` file, derived from the script alone.
- ``body``: the anny body, its shape presets and posing (torch).
- ``appearance``: flat colours for skin, clothes, hair and face features.
- ``camera`` and ``raster``: projection and the painter's-algorithm raster.
- ``clip``: renders one script to MP4 + truth; ``cli``: the command line.
"""
