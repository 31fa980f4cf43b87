"""Candidate-controlled text is data, never markup or control.

Test messages, printed output, test ids, file, folder and archive member names and submission
paths all come from the candidate (or the candidate's file system). They are normalised where
they enter (the runner's result, the submission's file listing) and once more before every
report is rendered, because a report can also be read back from a cache or built from other
text:

- :func:`valid_unicode`: every format (JSON, HTML, JUnit, Gradescope, the terminal) must be
  encodable as UTF-8; a lone surrogate (from ``"\\udcff"`` or an undecodable file name) would
  make writing the report fail.
- :func:`terminal_safe`: escape sequences (ANSI CSI, OSC, C1 controls such as ``\\x9b``) would
  reach the interviewer's terminal and clear it, retitle it or plant links; they are shown as
  visible escapes (``\\x1b``) instead.
- :func:`markup`: rich reads ``[...]`` as markup (``[/x]`` even raises); text interpolated into
  a markup string goes through ``rich.markup.escape``. Better still, hand rich a ``Text``.

And :func:`clip`, the one rule by which every report shortens long text (messages, output).
"""

from __future__ import annotations

import re
from typing import Any, Literal, TypeVar

from pydantic import BaseModel
from rich.markup import escape

REPLACEMENT = "\ufffd"

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides and
# isolates, which reorder what an interviewer reads (as "Trojan Source" does).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\t\n]")
_NAMED = {"\r": "\\r", "\t": "\\t", "\n": "\\n"}

M = TypeVar("M", bound=BaseModel)


def valid_unicode(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD, so that UTF-8 can always encode it."""
    return _SURROGATE.sub(REPLACEMENT, text)


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_safe(text: str, *, multiline: bool = True) -> str:
    """`text` with control characters shown as escapes (``\\x1b``), never sent raw to a terminal.

    Newlines and tabs stay (output must remain readable) unless `multiline` is False, for a
    name that must stay on one line; a Windows line end becomes a newline.
    """
    text = text.replace("\r\n", "\n")
    text = _CONTROL.sub(_visible, text)
    return text if multiline else _LINE_BREAKS.sub(_visible, text)


def candidate_text(text: str, *, multiline: bool = True) -> str:
    """Valid Unicode, safe for a terminal: what any candidate-controlled text becomes on entry."""
    return terminal_safe(valid_unicode(text), multiline=multiline)


def safe_name(text: str) -> str:
    """A file, folder, member name or submission path: as :func:`candidate_text`, on one line."""
    return candidate_text(text, multiline=False)


def clip(
    text: str,
    limit: int,
    *,
    unit: Literal["characters", "lines"] = "characters",
    keep: Literal["start", "end"] = "start",
) -> str:
    """`text` whole when it fits in `limit` characters (or lines); else its first (or, with
    ``keep="end"``, last) `limit` of them and a note of how many were cut, so that nobody takes a
    cut text for the whole. The note stands on a line of its own, except after a single line.

    The runner-side twin, for messages cut inside the sandbox, is ``_clip`` in sandbox/plugin.py.
    """
    parts: list[str] | str = text.splitlines() if unit == "lines" else text
    cut = len(parts) - max(limit, 0)
    if cut <= 0:
        return text
    kept_parts = parts[:limit] if keep == "start" else parts[cut:]
    kept = "\n".join(kept_parts) if unit == "lines" else str(kept_parts)
    note = f"… ({cut} {unit if cut != 1 else unit[:-1]} cut)"
    sep = "\n" if "\n" in kept or unit == "lines" else " "
    return kept + sep + note if keep == "start" else note + sep + kept


def markup(text: str) -> str:
    """Candidate text to interpolate into a rich markup string: normalised and markup-escaped."""
    return escape(candidate_text(text))


def clean_tree(value: Any) -> Any:
    """Every string in a tree of dicts and lists (parsed JSON, a model's dump) normalised."""
    if isinstance(value, str):
        return candidate_text(value)
    if isinstance(value, dict):
        return {clean_tree(key): clean_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_tree(item) for item in value]
    return value


def clean_model(model: M) -> M:
    """A copy of `model` with every string normalised (a report about to be rendered)."""
    return type(model).model_validate(clean_tree(model.model_dump()))
