"""A small reader of gettext .po files, enough for the catalog checks: the entries' context, msgid,
plural msgid, translations and flags; obsolete entries (``#~``) are left out."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        """What identifies a message in a catalog: its context and its msgid."""
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    def __str__(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"{context}{self.msgid!r}"


def _string(text: str, path: Path, number: int) -> str:
    """A C string literal of the .po syntax (``"..."`` with backslash escapes)."""
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"{path}:{number}: not a quoted string: {text}")
    return ast.literal_eval(text)


def read_po(path: Path) -> tuple[Entry | None, list[Entry]]:
    """The header entry (msgid "") and the message entries of the catalog at ``path``."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None  # the keyword a continuation line extends
    flags: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#~"):
            flags = set()  # the flags of an obsolete entry
            continue
        if not line or (line.startswith("#") and not line.startswith("#,")):
            continue  # blank, comments, references, previous msgids (#|)
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith('"'):
            if entry is None or target is None:
                raise ValueError(f"{path}:{number}: a continuation line outside an entry")
            name, index = target
            value = _string(line, path, number)
            if name == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, name, getattr(entry, name) + value)
            continue
        keyword, _space, rest = line.partition(" ")
        # An entry starts with its msgctxt, or with its msgid when it has none.
        if keyword == "msgctxt" or (keyword == "msgid" and (target is None or target[0] != "msgctxt")):
            entry = Entry(flags=flags, line=number)
            entries.append(entry)
            flags = set()
        if entry is None:
            raise ValueError(f"{path}:{number}: {keyword} outside an entry")
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, _string(rest, path, number))
            target = (keyword, None)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            entry.msgstr[index] = _string(rest, path, number)
            target = ("msgstr", index)
        else:
            raise ValueError(f"{path}:{number}: unknown keyword {keyword}")
    header = next((item for item in entries if item.msgid == "" and item.msgctxt is None), None)
    return header, [item for item in entries if item is not header]
