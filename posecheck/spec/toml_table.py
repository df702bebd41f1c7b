"""The strict TOML reader every data file goes through.

Exercise, routine and safety-defaults files are read the same way: the file
checked and decoded before TOML sees it (`read_toml`: size, encoding,
nesting), then each table through a `Table` that hands out values of the
asked type and range and, when done, refuses any key nobody asked for with
the one "did you mean". Every error is one line naming the file, the key
path, the value and what is allowed.
"""

from __future__ import annotations

import codecs
import difflib
import functools
import re
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar, overload

from posecheck.errors import PosecheckError
from posecheck.spec.ranges import Range


def _shown(value: object) -> str:
    """A value as the message shows it: TOML's spelling of booleans, a
    repr otherwise, cut short so one huge value keeps the message one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _number_hint(value: object) -> str:
    """Why a value that looks like a number is not one."""
    if isinstance(value, bool):
        return "; true and false are not numbers"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return ""
        return "; write the number without quotes"
    return ""


def one_line(message: str) -> str:
    """`message` with control characters (a newline in a quoted TOML key or a
    file name) escaped, so an error is always one line."""
    if message.isprintable():
        return message
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def one_line_errors(parse: Callable[_P, _R]) -> Callable[_P, _R]:
    """`parse` with its PosecheckError made one line (`one_line`)."""

    @functools.wraps(parse)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return parse(*args, **kwargs)
        except PosecheckError as exc:
            raise PosecheckError(one_line(str(exc))) from None

    return wrapper


class Table:
    """Reads one TOML table, remembering which keys were used."""

    def __init__(self, data: dict[str, Any], where: str, file: str) -> None:
        self.data = data
        self.where = where
        self.file = file
        self.used: set[str] = set()

    def key(self, k: str) -> str:
        return f"{self.where}.{k}" if self.where else k

    def fail(self, k: str, value: object, expected: str) -> PosecheckError:
        return PosecheckError(f"{self.file}: key '{self.key(k)}' = {_shown(value)}: expected {expected}")

    def _present(self, k: str, default: Any, expected: object) -> bool:
        """Whether the table has `k` (now marked used); absent with no
        default (`...`) is a missing key, naming what was `expected`."""
        self.used.add(k)
        if k in self.data:
            return True
        if default is ...:
            raise PosecheckError(f"{self.file}: missing key '{self.key(k)}' ({expected})")
        return False

    def get(self, k: str, kind: type | tuple[type, ...], default: Any = ..., what: str = "") -> Any:
        """A non-numeric value (string, bool, table, array); numbers go
        through `number`."""
        if not self._present(k, default, what or _kind_name(kind)):
            return default
        v = self.data[k]
        if not isinstance(v, kind) or (isinstance(v, bool) and kind is int):
            raise self.fail(k, v, what or _kind_name(kind))
        return v

    def number(self, k: str, rng: Range, default: Any = ...) -> Any:
        """The one number reader: the value at `k` checked against `rng` (a
        float, or an int for a whole-number range), or `default` when the key
        is absent (defaults are the code's own and not checked; `...` makes
        the key required).

        Raises:
            PosecheckError: naming the file, the key path, the value and `rng`.
        """
        if not self._present(k, default, rng):
            return default
        v = self.data[k]
        if not rng.allows(v):
            raise self.fail(k, v, f"{rng}{_number_hint(v)}")
        return int(v) if rng.whole else float(v)

    def identifier(self, k: str, what: str) -> str:
        """An id: a non-empty string of printable characters (`validate`
        prints it, one line per file)."""
        v = self.get(k, str, what=what)
        if not v or not v.isprintable():
            raise self.fail(k, v, f"{what}: a non-empty name without control characters")
        return v

    def choice(self, k: str, allowed: tuple[str, ...], default: Any = ...) -> Any:
        v = self.get(k, str, default, f"one of {list(allowed)}")
        if v is not default and v not in allowed:
            raise self.fail(k, v, f"one of {list(allowed)}")
        return v

    @overload
    def table(self, k: str, required: Literal[True]) -> Table: ...

    @overload
    def table(self, k: str, required: bool = False) -> Table | None: ...

    def table(self, k: str, required: bool = False) -> Table | None:
        """The sub-table at `k`, or None when it is absent and not `required`."""
        v = self.get(k, dict, ... if required else None, "a table")
        return None if v is None else Table(v, self.key(k), self.file)

    def tables(self, k: str) -> list[Table]:
        v = self.get(k, list, [], "an array of tables ([[" + self.key(k) + "]])")
        out = []
        for i, item in enumerate(v):
            if not isinstance(item, dict):
                raise self.fail(k, item, "an array of tables")
            out.append(Table(item, f"{self.key(k)}[{i}]", self.file))
        return out

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            hint = did_you_mean(unknown[0], sorted(self.used))
            raise PosecheckError(
                f"{self.file}: unknown key '{self.key(unknown[0])}'{hint}; allowed here: {', '.join(sorted(self.used))}"
            )


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "a string",
        float: "a number",
        int: "an integer",
        bool: "true or false",
        dict: "a table",
        list: "an array",
    }
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """The hint " (did you mean 'x'?)" naming the closest of `known`, or ""
    when none is close: the one did-you-mean of every data-file message."""
    near = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{near[0]}'?)" if near else ""


def file_header(t: Table, schema_version: int, what: str) -> str:
    """The `schema` and `id` every data file starts with: the schema this
    posecheck reads, and an id equal to the file name without .toml.

    Returns:
        The id.
    """
    schema = t.get("schema", int, what=f"the format version, {schema_version}")
    if schema != schema_version:
        raise t.fail("schema", schema, f"{schema_version} (this posecheck reads only that)")
    file_id = t.identifier("id", f"the {what} id")
    stem = Path(t.file).stem
    if t.file.endswith(".toml") and file_id != stem:
        raise t.fail("id", file_id, f"the file name without .toml ('{stem}')")
    return file_id


# An exercise or routine file is a few kilobytes of shallow TOML (the
# largest bundled one 3.3 KB, nesting 5 deep); these bound what a wrong file
# (a video, a log, a generated one) can make us do: tomllib takes about 1 s
# on 256 KiB of the slowest TOML.
MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 32  # tables and arrays inside each other
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
# A dotted key where a key may start (a line's start, after [, [[, { or ,)
# of over MAX_DEPTH parts: it nests tables that deep, and tomllib takes time
# quadratic in its length (5,000 parts: 2.5 s), so it is refused unparsed.
_DEEP_DOTTED_KEY = re.compile(
    rf"(?:^[ \t]*\[{{0,2}}|[{{,])[ \t]*{_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART}){{{MAX_DEPTH},}}", re.MULTILINE
)
_TOO_DEEP = f"tables or arrays nested too deeply (at most {MAX_DEPTH})"


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A data file's TOML, or a one-line error naming the file.

    Raises:
        PosecheckError: missing file, a folder or other non-regular file, an
            unreadable, empty, oversized, binary, UTF-16 or otherwise
            non-UTF-8 file, a TOML syntax error, or nesting too deep.
    """
    text = _read_text(path, what)
    if _DEEP_DOTTED_KEY.search(text):
        raise _file_error(path, _TOO_DEEP)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _file_error(path, f"not valid TOML ({exc})") from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise _file_error(path, _TOO_DEEP) from None
    if _nesting(data) > MAX_DEPTH:
        raise _file_error(path, _TOO_DEEP)
    return data


def parse_file(path: Path, what: str, parse: Callable[[dict[str, Any], str], _R]) -> _R:
    """`parse` of a data file's TOML (`read_toml`), with the file named as given."""
    path = Path(path)
    return parse(read_toml(path, what), str(path))


def _a(what: str) -> str:
    """'an exercise', 'a routine'."""
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


def _file_error(path: Path, message: str) -> PosecheckError:
    return PosecheckError(one_line(f"{path}: {message}"))


def _read_text(path: Path, what: str) -> str:
    """The file's text: UTF-8, with or without a byte-order mark (Windows
    Notepad writes one). Reads at most MAX_FILE_BYTES + 1 bytes, so a huge
    file costs nothing and a FIFO is refused before it is opened."""
    if path.is_dir():
        raise _file_error(path, f"a folder, not {_a(what)} file")
    if not path.exists():
        raise _file_error(path, f"no such {what} file")
    if not path.is_file():
        raise _file_error(path, f"not a regular file; {_a(what)} file is TOML text")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _file_error(path, f"cannot read the {what} file ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _file_error(path, f"over {MAX_FILE_BYTES} bytes: too large for {_a(what)} file")
    if not raw.strip():
        raise _file_error(path, f"empty {what} file")
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _file_error(path, "UTF-16 or UTF-32 text; save it as UTF-8")
    nul = raw.find(b"\0")
    if nul >= 0:
        raise _file_error(path, f"binary data (a NUL byte at offset {nul}), not TOML text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            path, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None


def _nesting(value: object) -> int:
    """How deeply tables and arrays nest in `value`, counted without
    recursion (dotted keys `a.b.c...` nest without tomllib recursing), and
    stopping once past MAX_DEPTH."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack and deepest <= MAX_DEPTH:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth + 1)
            stack.extend((c, depth + 1) for c in children)
    return deepest
