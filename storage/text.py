"""Text as the database, Word, Excel and JSON can all hold it.

Control characters (but tab and newline), NULs, lone surrogates and the two non-characters XML refuses
(U+FFFE, U+FFFF) break one of them each: PostgreSQL refuses a NUL, SQLite's driver and every UTF-8
writer a lone surrogate, openpyxl and lxml the control characters. They carry no meaning in a report or
a note, so they are removed, here and only here: every statement's text parameters on the way in (see
`clean_parameters`, hooked on every engine in storage.db), and what exports and drafts render on the way
out, for whatever the database held before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# C0 controls but tab and newline; carriage returns are handled first (a line break, kept as one).
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
CELL_BREAKS = re.compile("[\t\n]")


def clean_text(text: str) -> str:
    """`text` without the characters above; a carriage return (alone or before a newline) is a newline.
    Most text holds none of them: one scan, and the same string back."""
    if UNSAFE.search(text) is None:
        return text
    return UNSAFE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def cell_text(text: str | None) -> str:
    """Text for one cell of a table (a spreadsheet, a CSV file, a Word table): cleaned, with tabs and
    newlines as spaces."""
    if not text:
        return ""
    text = clean_text(text)
    return CELL_BREAKS.sub(" ", text) if "\t" in text or "\n" in text else text


def clean_strings(value):
    """Every string in a structure of dicts, lists and tuples cleaned (keys too); the rest as it is."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_strings(k): clean_strings(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean_strings(v) for v in value)
    return value


_search = UNSAFE.search
_CONTAINERS = (tuple, list, dict)  # what parameters come in inside a batch (rows, by position or name)


def _needs_cleaning(value) -> bool:
    """Whether any string in `value` (a parameter, a row of them, or a batch of rows) needs cleaning.
    Called on every statement, so written for speed: one type check per value, one scan per string."""
    if type(value) is str:
        return _search(value) is not None
    if isinstance(value, Mapping):
        value = value.values()
    for item in value:
        kind = type(item)
        if kind is str:
            if _search(item) is not None:
                return True
        elif kind in _CONTAINERS and _needs_cleaning(item):
            return True
    return False


def _cleaned(value):
    kind = type(value)
    if kind is str:
        return clean_text(value)
    if isinstance(value, Mapping):
        return {k: _cleaned(v) for k, v in value.items()}
    if kind in _CONTAINERS:
        return kind(_cleaned(v) for v in value)
    return value


def clean_parameters(_connection, _cursor, statement, parameters, _context, _executemany):
    """SQLAlchemy's before_cursor_execute hook (retval=True): the statement's string parameters cleaned.
    Whatever builds the statement (the ORM, Core, text(), a driver-level call), nothing the database
    stores can break an export. Parameters come as one set or many (a list of sets, or one flattened
    set for a multi-row INSERT), as tuples or dicts: the structure is kept, and rebuilt only when some
    string in it needs cleaning."""
    if parameters and _needs_cleaning(parameters):
        parameters = _cleaned(parameters)
    return statement, parameters
