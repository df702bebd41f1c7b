"""The layout's rules (README "How the code is laid out"), checked on the tree.

- `posecheck.spec` and `posecheck.core` are pure: importing any of their
  modules loads none of cv2, mediapipe, tqdm, matplotlib, sqlite3, and none
  of the layers above them (io, ui, eval, cli, pipeline, batch). Checked in
  a fresh interpreter where those packages cannot be imported at all, so a
  lazy import inside a function that the module calls at import time fails
  too.
- No module over 450 lines, no class over 250: a file a newcomer can read.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "posecheck"
PURE_LAYERS = ("spec", "core")
BLOCKED = ("cv2", "mediapipe", "tqdm", "matplotlib", "sqlite3", "_sqlite3")
UPPER_LAYERS = (
    "posecheck.io",
    "posecheck.ui",
    "posecheck.eval",
    "posecheck.cli",
    "posecheck.pipeline",
    "posecheck.batch",
)
MAX_MODULE_LINES = 450
MAX_CLASS_LINES = 250

# Run in a fresh interpreter: block the heavy packages, import one module,
# print what of posecheck got loaded.
_PROBE = """
import importlib, importlib.abc, json, sys

BLOCKED = {blocked!r}

class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is blocked in the pure layers")
        return None

sys.meta_path.insert(0, _Blocker())
importlib.import_module({module!r})
print(json.dumps(sorted(m for m in sys.modules if m.startswith("posecheck"))))
"""


def _modules(layer: str) -> list[str]:
    base = PACKAGE / layer
    names = []
    for path in sorted(base.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


PURE_MODULES = [m for layer in PURE_LAYERS for m in _modules(layer)]


def test_the_pure_layers_have_modules():
    assert len(PURE_MODULES) >= 20, PURE_MODULES  # a moved folder would make the rule below vacuous


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_heavy_package_and_no_upper_layer(module):
    probe = _PROBE.format(blocked=BLOCKED, module=module)
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{module} needs a blocked package:\n{done.stderr[-2000:]}"
    loaded = json.loads(done.stdout.splitlines()[-1])
    upper = [m for m in loaded if m.startswith(UPPER_LAYERS)]
    assert not upper, f"{module} loads {upper}: spec and core must not import io, ui, eval or the CLI"


def test_the_probe_catches_a_heavy_import(tmp_path):
    """The blocker works: a module importing cv2 fails under it."""
    bad = tmp_path / "uses_cv2.py"
    bad.write_text("import cv2\n")
    probe = _PROBE.format(blocked=BLOCKED, module="uses_cv2")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "cv2 is blocked" in done.stderr


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_is_over_the_line_limit():
    long = {
        str(p.relative_to(ROOT)): n
        for p in _sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split by what they do): {long}"


def test_no_class_is_over_the_line_limit():
    big = {}
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_CLASS_LINES:
                    big[f"{path.relative_to(ROOT)}:{node.name}"] = lines
    assert not big, f"classes over {MAX_CLASS_LINES} lines (take a part out): {big}"


def test_every_package_says_what_it_holds():
    for init in sorted(PACKAGE.rglob("__init__.py")):
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{init.relative_to(ROOT)}: no docstring"
