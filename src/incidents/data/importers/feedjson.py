"""Read a JSON feed and remember where each object and array starts, for error messages.

``json.loads`` forgets positions, so a problem found later ("incidents[3] has no created_at")
could not name a line. :func:`parse_text` decodes with the pure-Python scanner and records the
line of every ``{`` and ``[``; a :class:`Source` answers "on which line is this object?".
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from incidents.errors import InputError, Problem

#: Largest feed accepted (a Statuspage or Google Cloud feed is a few MB at most).
MAX_FEED_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """Where a parsed feed came from: its name (a path or URL) and the line of each container."""

    name: str = "<feed>"
    positions: dict[int, int] = field(default_factory=dict, repr=False)

    def line(self, obj: object) -> int | None:
        """The 1-based line where the object or array ``obj`` starts, None when not known."""
        return self.positions.get(id(obj))


class _PositionDecoder(json.JSONDecoder):
    """A decoder that notes the character offset of every object and array it builds."""

    def __init__(self) -> None:
        super().__init__()
        self.offsets: dict[int, int] = {}
        self.keep: list[object] = []  # keeps ids unique until the caller holds the tree
        base_object, base_array = self.parse_object, self.parse_array

        def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[object, int]:
            result, end = base_object(s_and_end, *args)
            self.offsets[id(result)] = s_and_end[1] - 1
            self.keep.append(result)
            return result, end

        def parse_array(s_and_end: tuple[str, int], *args: Any) -> tuple[object, int]:
            result, end = base_array(s_and_end, *args)
            self.offsets[id(result)] = s_and_end[1] - 1
            self.keep.append(result)
            return result, end

        self.parse_object = parse_object
        self.parse_array = parse_array
        self.scan_once = json.scanner.py_make_scanner(self)


def _line_of(newlines: list[int], offset: int) -> int:
    return bisect.bisect_left(newlines, offset) + 1


def parse_text(text: str, name: str) -> tuple[Any, Source]:
    """Parse JSON ``text``; raise :class:`InputError` naming ``name``, line and fix on errors."""
    if not text.strip():
        raise InputError([Problem(name, None, None, "the feed is empty",
                                  "download the feed again; it should be a JSON document")])
    decoder = _PositionDecoder()
    try:
        data = decoder.decode(text)
    except json.JSONDecodeError as exc:
        raise InputError([_syntax_problem(text, name, exc)]) from None
    except (RecursionError, ValueError) as exc:
        raise InputError([_value_problem(name, None, exc)]) from None
    newlines = [match.start() for match in re.finditer("\n", text)]
    positions = {key: _line_of(newlines, offset) for key, offset in decoder.offsets.items()}
    source = Source(name, positions)
    _refuse_lone_surrogates(data, source)
    return data, source


def _value_problem(name: str, line: int | None, exc: Exception) -> Problem:
    """The problem of a JSON value Python refuses to build: nested past the recursion limit,
    or an integer of thousands of digits (``ValueError`` from the int conversion limit)."""
    if isinstance(exc, RecursionError):
        return Problem(name, line, None, "the JSON is nested too deeply",
                       "check that this is the vendor's feed file")
    return Problem(name, line, None, "the JSON holds a number with thousands of digits",
                   "check that this is the vendor's feed file (no feed field is that long)")


#: A UTF-16 surrogate on its own (a JSON escape such as \ud800 without its pair): not a
#: character, and no file can hold it as UTF-8.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_lone_surrogates(data: object, source: Source) -> None:
    """Raise :class:`InputError` for the first text (key or value) holding a lone surrogate,
    with the line of the object that holds it. Iterative: any depth the parser built."""
    stack: list[tuple[object, object]] = [(data, data)]
    while stack:
        value, holder = stack.pop()
        texts: list[object] = []
        if isinstance(value, dict):
            texts, holder = list(value), value  # a key is in the object itself
            stack += [(inner, value) for inner in value.values()]
        elif isinstance(value, list):
            stack += [(inner, value) for inner in value]
        elif isinstance(value, str):
            texts = [value]
        for text in texts:
            if isinstance(text, str) and _LONE_SURROGATE.search(text):
                shown = text.encode("utf-8", "backslashreplace").decode("ascii", "replace")
                raise InputError([Problem(
                    source.name, source.line(holder), None,
                    f"the text '{shown[:60]}' holds an unpaired surrogate escape, which is "
                    "not a character", "fix or remove that escape in the feed (a \\uD800-"
                    "\\uDFFF escape must come in a pair)")])


def _syntax_problem(text: str, name: str, exc: json.JSONDecodeError) -> Problem:
    head = text.lstrip()[:200].lower()
    if head.startswith("<"):
        return Problem(name, exc.lineno, None,
                       "this is an HTML or XML page, not a JSON feed",
                       "check the address or file: a status page's JSON feed is its "
                       "/api/v2/incidents.json (Statuspage) or incidents.json (Google Cloud)")
    return Problem(name, exc.lineno, None,
                   f"the JSON is malformed: {exc.msg} at line {exc.lineno}, "
                   f"character {exc.colno}",
                   "download the feed again (a cut-off download ends mid-document); if you "
                   "edited it by hand, fix the quote, comma or bracket at that place")


def read_file(path: str | Path) -> tuple[Any, Source]:
    """Read and parse the JSON feed at ``path`` (UTF-8, a BOM accepted)."""
    file = Path(path)
    name = str(file)
    if not file.exists():
        raise InputError([Problem(name, None, None, "the feed file does not exist",
                                  "check the path")])
    if file.is_dir():
        raise InputError([Problem(name, None, None, "this is a folder, not a feed file",
                                  "give the path of the JSON file itself")])
    return parse_bytes(_read_capped(file), name)


def _read_capped(file: Path) -> bytes:
    """The bytes of the feed file, a regular file of at most :data:`MAX_FEED_BYTES`."""
    return read_regular(file, MAX_FEED_BYTES, "save the feed to a file first and give that "
                        "file's path")


def read_regular(file: Path, limit: int, fix: str) -> bytes:
    """The bytes of ``file`` when it is a regular file of at most ``limit`` bytes; otherwise
    an :class:`InputError` naming the file and ``fix``.

    A FIFO or a device such as /dev/zero would be read forever: the file is opened without
    blocking (a FIFO with no writer does not hang the open), the open file itself is checked
    (no race with a stat of the path), and the read stops after ``limit`` bytes (a file may
    grow after the check).
    """
    name = str(file)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    if file.exists() and not file.is_file():  # do not even open a device
        raise InputError([_not_regular(name, fix)])
    try:
        descriptor = os.open(file, flags)
    except OSError as exc:
        raise InputError([Problem(name, None, None, f"the file cannot be read ("
                                  f"{exc.strerror or exc})", "check the path and that the "
                                  "file is readable by you")]) from None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise InputError([_not_regular(name, fix)])
        os.set_blocking(descriptor, True)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError([Problem(name, None, None, f"the file is larger than "
                                  f"{limit // 2**20} MB", "check that this is the right file")])
    return data


def _not_regular(name: str, fix: str) -> Problem:
    return Problem(name, None, None, "this is not a regular file (a folder, a pipe, a device "
                   "or a socket)", fix)


def parse_bytes(data: bytes, name: str) -> tuple[Any, Source]:
    """Decode UTF-8 ``data`` (BOM accepted) and parse it as JSON."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError([Problem(
            name, line, None, f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8",
            "JSON feeds are UTF-8: download the feed again rather than saving it from an "
            "editor")]) from None
    return parse_text(text, name)


# ---------------------------------------------------------------- shape checks


def describe(value: object) -> str:
    """The JSON type name of ``value`` for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


#: Problems of one kind (the same key of every entry) kept in full; the rest are counted.
MAX_PER_KIND = 10
_INDEX = re.compile(r"\[\d+\]")


class Problems:
    """Collects the problems of one feed so all are reported at once, not only the first.

    A feed of thousands of broken entries gives thousands of problems of one kind: the first
    :data:`MAX_PER_KIND` of each kind (the same JSON path with any entry number, the same
    message apart from values) are kept and the rest counted, so the report stays short
    and the import finishes in bounded time and memory."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.items: list[Problem] = []
        self.more: dict[str, int] = {}

    def add(self, where: object, path: str, message: str, fix: str) -> None:
        """Record a problem at JSON ``path`` inside the container ``where``."""
        kind = _INDEX.sub("[]", path) + " " + message.split("'")[0]
        seen = self.more.get(kind, 0)
        self.more[kind] = seen + 1
        if seen < MAX_PER_KIND:
            self.items.append(Problem(self.source.name, self.source.line(where), path, message,
                                      fix))

    def require(self, obj: dict[str, Any], key: str, path: str, kinds: tuple[type, ...],
                fix: str) -> Any:
        """``obj[key]`` if present, not null and of one of ``kinds``; else record a problem."""
        if key not in obj or obj[key] is None:
            self.add(obj, f"{path}.{key}", f"the required key '{key}' is missing or null", fix)
            return None
        value = obj[key]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            wanted = " or ".join(describe(k()) for k in kinds)
            self.add(obj, f"{path}.{key}", f"'{key}' is {describe(value)}, not {wanted}", fix)
            return None
        if isinstance(value, str) and not value.strip():
            self.add(obj, f"{path}.{key}", f"'{key}' is empty", fix)
            return None
        return value

    def optional(self, obj: dict[str, Any], key: str, path: str, kinds: tuple[type, ...],
                 fix: str) -> Any:
        """``obj[key]`` if present and of one of ``kinds``; None when absent or null."""
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            wanted = " or ".join(describe(k()) for k in kinds)
            self.add(obj, f"{path}.{key}", f"'{key}' is {describe(value)}, not {wanted}", fix)
            return None
        return value

    def raise_if_any(self) -> None:
        if self.items:
            left = {kind.split(" ")[0]: count - MAX_PER_KIND
                    for kind, count in self.more.items() if count > MAX_PER_KIND}
            if left:
                self.items.append(Problem(
                    self.source.name, None, None, "and " + ", ".join(
                        f"{count:,} more at {path}" for path, count in sorted(left.items())),
                    "fix the kinds above: the rest are the same problem in other entries"))
            raise InputError(self.items)


def guess_format(data: object) -> str | None:
    """Which importer FORMAT a parsed feed looks like, for hints in error messages."""
    if isinstance(data, list) and data and isinstance(data[0], dict) and (
            "external_desc" in data[0] or "affected_products" in data[0]):
        return "gcloud"
    if isinstance(data, dict):
        if "incidents" in data and "page" in data:
            return "statuspage"
        if isinstance(data.get("value"), list):
            return "msgraph"
    return None


#: A JSON Lines file stops being read after this many lines that are not JSON.
MAX_LINE_PROBLEMS = 50


def read_jsonl(path: str | Path) -> tuple[list[Any], Source]:
    """Read a JSON Lines file (one JSON value per line, blank lines skipped).

    Each value's line number is remembered (a problem names the line); a line that is not JSON
    is reported with its number, all such lines together.
    """
    file = Path(path)
    name = str(file)
    if not file.exists():
        raise InputError([Problem(name, None, None, "the feed file does not exist",
                                  "check the path")])
    try:
        text = _read_capped(file).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(name, None, None, f"byte offset {exc.start} is not UTF-8",
                                  "JSON Lines files are UTF-8")]) from None
    values: list[Any] = []
    positions: dict[int, int] = {}
    problems = []
    for number, line in enumerate(text.split("\n"), 1):  # not splitlines: U+2028 is text
        if len(problems) >= MAX_LINE_PROBLEMS:
            break
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(name, number, None, f"the line is not JSON: {exc.msg} at "
                                    f"character {exc.colno}",
                                    "each line must be one complete JSON object"))
            continue
        except (RecursionError, ValueError) as exc:
            problems.append(_value_problem(name, number, exc))
            continue
        values.append(value)
        positions[id(value)] = number
        if isinstance(value, dict):
            for inner in value.values():
                if isinstance(inner, dict | list):
                    positions[id(inner)] = number
    if problems:
        if len(problems) >= MAX_LINE_PROBLEMS:
            problems.append(Problem(name, None, None, f"stopped after {MAX_LINE_PROBLEMS} lines "
                                    "that are not JSON; later lines were not read",
                                    "check that this is a JSON Lines feed"))
        raise InputError(problems)
    if not values:
        raise InputError([Problem(name, None, None, "the feed is empty",
                                  "give a JSON Lines file with one incident per line")])
    source = Source(name, positions)
    _refuse_lone_surrogates(values, source)
    return values, source
