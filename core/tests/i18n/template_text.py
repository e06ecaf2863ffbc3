"""Finds the text of a Django template that is shown to people but not marked for translation.

What is left of a template once everything that is not its own text is blanked out must contain no
letters. Blanked out, in this order (every blank keeps the line breaks, so positions stay true):

1. comments: ``{# #}``, ``{% comment %}...{% endcomment %}``, ``<!-- -->``;
2. ``<script>``, ``<style>`` (their strings are JavaScript's, marked with ``gettext()`` in the
   static files) and ``<code>``, ``<kbd>``, ``<samp>`` (identifiers and codes, not language);
3. ``{% blocktranslate %}...{% endblocktranslate %}`` (marked);
4. every other template tag and variable, ``{% translate "..." %}`` included (marked), after noting
   the literal text they print: the arguments of the ``default``, ``default_if_none`` and ``yesno``
   filters and the literals of ``{% firstof %}``, and ``{% include ... with name="..." %}`` values
   that read as text (a space or a capital letter: ``caption="All adverse events"``, not
   ``prefix="inv"``). Marked, they are written ``_("...")`` and are not literals any more;
5. HTML tags, after noting the attributes people read or hear: ``title``, ``placeholder``,
   ``aria-label``, ``alt``, and ``value`` of submit, reset and button inputs;
6. character references (``&larr;``, ``&nbsp;``).

Then the words of ``NOT_LANGUAGE`` are removed, and any text still holding a letter (of any
script: hard-coded Chinese is unmarked too) is reported with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Text that reads the same in English and Chinese, so that it needs no translation. Short on purpose:
# everything else is wrapped in {% translate %} even when the Chinese keeps it (the translator decides).
NOT_LANGUAGE = (
    "eCRF",  # the product's name
    # Units, printed after a value.
    "mg/m²", "mg/day", "mg", "kg", "cm", "mm", "m²", "mL", "Gy",
    # Standards and terminologies, named in English in the Chinese text too (glossary).
    "CTCAE v5.0", "CTCAE", "RECIST 1.1", "RECIST", "MedDRA",
    # Abbreviations the glossary keeps as they are inside Chinese text, and the lab reference limits.
    "AE", "SAE", "irAE", "ORR", "PFS", "OS", "SDV", "CRF", "EQD2", "ECOG", "FIGO", "ANC", "CSV", "ULN", "LLN",
    # Radiotherapy techniques and dose-volume parameters.
    "IMRT", "VMAT", "TOMO", "HR-CTV", "D90", "D2cc", "V50",
    # Notation: statistical symbols (n, N, p; the Simon design's r/n), the CTCAE grade prefix (G3)
    # and the version prefix (v2), printed next to a number.
    "n", "N", "p", "r/n", "r1/n1", "G", "v",
)  # fmt: skip

_NOT_LANGUAGE = re.compile(
    "|".join(rf"(?<!\w){re.escape(word)}(?!\w)" for word in sorted(NOT_LANGUAGE, key=len, reverse=True))
)
_LETTER = re.compile(r"[^\W\d_]")

_DJANGO_COMMENTS = re.compile(r"\{#.*?#\}|\{%\s*comment\b.*?%\}.*?\{%\s*endcomment\s*%\}", re.S)
_HTML_COMMENTS = re.compile(r"<!--.*?-->", re.S)
_NOT_TEXT_ELEMENTS = re.compile(r"<(script|style|code|kbd|samp)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_BLOCKTRANSLATE = re.compile(r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S)
_TEMPLATE_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_HTML_TAG = re.compile(r"</?[A-Za-z!][^>]*>", re.S)
_CHARACTER_REFERENCE = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")

_QUOTED = r"""(?:"([^"]*)"|'([^']*)')"""
_PRINTED_FILTER_ARGUMENT = re.compile(rf"\|\s*(?:default|default_if_none|yesno)\s*:\s*{_QUOTED}")
_FIRSTOF = re.compile(r"\{%\s*firstof\b(.*?)%\}", re.S)
_INCLUDE_WITH = re.compile(r"\{%\s*include\b.*?\bwith\b(.*?)%\}", re.S)
_LITERAL = re.compile(_QUOTED)
_ASSIGNED_LITERAL = re.compile(rf"\w+\s*=\s*{_QUOTED}")
_READ_ATTRIBUTE = re.compile(rf"""(?:^|\s)(title|placeholder|aria-label|alt|value)\s*=\s*{_QUOTED}""", re.I)
_BUTTON_INPUT = re.compile(r"""^<input\b[^>]*\btype\s*=\s*["']?(?:submit|reset|button)\b""", re.I)


@dataclass(frozen=True)
class Unmarked:
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.line}: {self.text}"


def _blank(match: re.Match) -> str:
    return "".join("\n" if char == "\n" else " " for char in match.group(0))


def _line(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _is_language(text: str) -> bool:
    return bool(_LETTER.search(_NOT_LANGUAGE.sub(" ", text)))


def _literal(match: re.Match) -> str:
    """The text of a quoted string: the last two groups of the pattern are its two quotings."""
    double, single = match.groups()[-2:]
    return double if double is not None else single


def _printed_literals(code: str, offset: int) -> list[tuple[int, str]]:
    """The literal strings a template tag or variable prints (see the module docstring, step 4),
    with their offsets in the template."""
    found = []
    for match in _PRINTED_FILTER_ARGUMENT.finditer(code):
        found.append((match.start(), _literal(match)))
    for match in _FIRSTOF.finditer(code):
        found += [(match.start(1) + item.start(), _literal(item)) for item in _LITERAL.finditer(match.group(1))]
    for match in _INCLUDE_WITH.finditer(code):
        for item in _ASSIGNED_LITERAL.finditer(match.group(1)):
            value = _literal(item)
            if re.search(r"\s|[A-Z]", value.strip()):
                found.append((match.start(1) + item.start(), value))
    return [(offset + at, text) for at, text in found if _is_language(text)]


def unmarked_text(source: str, *, html: bool = True) -> list[Unmarked]:
    """The unmarked text of one template's ``source`` (``html=False`` for text templates, such as
    e-mails, whose ``<`` and ``>`` are not tags), in the order it appears."""
    text = _DJANGO_COMMENTS.sub(_blank, source)
    if html:
        text = _HTML_COMMENTS.sub(_blank, text)
        text = _NOT_TEXT_ELEMENTS.sub(_blank, text)
    literals = [
        literal for match in _TEMPLATE_CODE.finditer(text) for literal in _printed_literals(match.group(0), match.start())
    ]
    text = _BLOCKTRANSLATE.sub(_blank, text)
    text = _TEMPLATE_CODE.sub(_blank, text)
    found: list[Unmarked] = []
    if html:
        # Where people read an attribute: its value's span; a literal printed into any other
        # attribute (a CSS class, a test id) is not text.
        read_spans = []
        tag_spans = []
        for match in _HTML_TAG.finditer(text):
            tag_spans.append(match.span())
            tag = match.group(0)
            for attribute in _READ_ATTRIBUTE.finditer(tag):
                if attribute.group(1).lower() == "value" and not _BUTTON_INPUT.match(tag):
                    continue
                read_spans.append((match.start() + attribute.start(), match.start() + attribute.end()))
                value = _CHARACTER_REFERENCE.sub(" ", _literal(attribute))
                if _is_language(value):
                    found.append(Unmarked(_line(source, match.start() + attribute.start(1)), " ".join(value.split())))
        literals = [
            (at, literal)
            for at, literal in literals
            if any(start <= at < end for start, end in read_spans) or not any(start <= at < end for start, end in tag_spans)
        ]
        text = _HTML_TAG.sub(_blank, text)
        text = _CHARACTER_REFERENCE.sub(lambda match: " " * len(match.group(0)), text)
    found += [Unmarked(_line(source, at), literal) for at, literal in literals]
    for number, line in enumerate(text.split("\n"), start=1):
        if _is_language(line):
            found.append(Unmarked(number, " ".join(line.split())))
    return sorted(found, key=lambda item: item.line)


def template_files(base_dir: Path, apps: tuple[str, ...]) -> list[Path]:
    """Every template of the project (``templates/``) and of the apps (``<app>/templates/``)."""
    folders = [base_dir / "templates"] + [base_dir / app / "templates" for app in apps]
    return sorted(
        path for folder in folders if folder.is_dir() for path in folder.rglob("*") if path.suffix in (".html", ".txt")
    )
