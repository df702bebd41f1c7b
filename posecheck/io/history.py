"""Checks for `posecheck history --plot`: where the plot goes, before any work.

The history itself (the SQLite database) is in sessionlog.py; this module
decides, before the history is read, whether the plot can be written: a
format matplotlib can write here, and a folder that exists and is writable.
Found only at the end, a bad name would cost the work and print a traceback.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from posecheck.errors import PosecheckError
from posecheck.outputs import check_output_file

# matplotlib writes these through Pillow, whose build may lack some of them.
_PILLOW_FORMATS = frozenset({"avif", "gif", "jpeg", "jpg", "tif", "tiff", "webp"})
DEFAULT_PLOT_FORMAT = "png"


def plot_formats() -> list[str]:
    """The file extensions (no dot) matplotlib can write on this machine:
    its list, less pgf without the TeX engine it runs, less the Pillow
    formats this Pillow cannot save."""
    import matplotlib
    from matplotlib.backend_bases import FigureCanvasBase
    from PIL import Image

    formats = set(FigureCanvasBase.get_supported_filetypes())
    if shutil.which(matplotlib.rcParams["pgf.texsystem"]) is None:
        formats.discard("pgf")
    Image.init()
    extensions = Image.registered_extensions()
    formats -= {f for f in formats & _PILLOW_FORMATS if extensions.get(f".{f}") not in Image.SAVE}
    return sorted(formats)


def plot_target(path: Path) -> Path:
    """The file `--plot PATH` will write, checked before any work: PATH
    itself, or PATH.png when it has no extension (as matplotlib would name
    it, so that what is reported is what was written).

    Raises:
        PosecheckError: PATH is a folder, has an extension matplotlib cannot
            write, or its folder is missing, not a folder or not writable.
    """
    path = Path(path)
    if path.is_dir():
        raise PosecheckError(f"--plot {path}: is a folder, give a file name such as {path / 'progress.png'}")
    if path.exists() and not path.is_file():  # /dev/null.png was written for --plot /dev/null
        raise PosecheckError(f"--plot {path}: exists and is not a regular file; give a file name")
    target = path if path.suffix else path.with_name(f"{path.name}.{DEFAULT_PLOT_FORMAT}")
    allowed = plot_formats()
    if target.suffix[1:].lower() not in allowed:
        raise PosecheckError(
            f"--plot {path}: cannot write a {target.suffix!r} file; allowed: " + ", ".join(f".{f}" for f in allowed)
        )
    check_output_file(target, "--plot")
    return target
