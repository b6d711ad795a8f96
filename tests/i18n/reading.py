"""What a page says in the wrong language: shared by the page checks of the
test client and of the browser.

A German page must hold no English text of the portal's catalogue, no
English function words, and no American dates; an English page no German.
Short catalogue texts ("Status", "Portal") read the same in both languages
and are left out, as are fragments around placeholders shorter than
`FRAGMENT`.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser

from django.utils import translation

FRAGMENT = 14
# Words that are never German, and words that are never English, as whole
# words (case-sensitive where the other language has them capitalised).
ENGLISH_WORDS = re.compile(
    r"\b(the|and|your|you|with|this|that|booking|bookings|charger|chargers|"
    r"please|cancel|book|from|until|there|are|is|has|have|been|not|for|of|"
    r"to|no|yes|left|used|month|today|tomorrow|back|sign|search)\b",
    re.IGNORECASE,
)
GERMAN_WORDS = re.compile(
    r"\b(und|Sie|Ihre|Ihr|Ihnen|nicht|für|mit|Buchung|Buchungen|Ladepunkt|"
    r"Ladepunkte|Abteilung|Standort|Zurück|heute|morgen|bis|oder|noch)\b"
)
US_DATES = re.compile(
    r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    # "Dec. 3" (Django's American style), not German "1. Jan. 2029".
    r"|\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\. \d{1,2}\b"
    r"|\b(January|February|March|April|May|June|July|August|September|"
    r"October|November|December) \d{1,2}, \d{4}"
    r"|\d (a\.m\.|p\.m\.)"
)
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|<[^>]+>")


VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _Text(HTMLParser):
    """The text a person reads or hears: text nodes, and alt, title,
    aria-label and placeholder attributes; not scripts, styles or code, and
    not a part marked with another `lang` than the page's (a visitor's pass
    in the visitor's language, the switcher's "English" and "Deutsch")."""

    SPOKEN = ("alt", "title", "aria-label", "placeholder")
    HIDDEN = ("script", "style", "code", "pre")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.page_language = ""
        self._open: list[bool] = []  # per open element: is it skipped

    @property
    def _skipping(self) -> bool:
        return any(self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.page_language = values.get("lang") or ""
            return
        lang = values.get("lang")
        skip = tag in self.HIDDEN or bool(lang and lang != self.page_language)
        if not self._skipping and not skip:
            self.parts += [v for n, v in attrs if n in self.SPOKEN and v]
        if tag not in VOID:
            self._open.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and tag != "html" and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.parts.append(data.strip())


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


@cache
def _catalogue() -> list[tuple[str, str]]:
    """(English, German) of every translated message, the same in both too."""
    catalog = translation.trans_real.translation("de")._catalog  # type: ignore[attr-defined]
    pairs = []
    for key, german in catalog.items():
        english = key[0] if isinstance(key, tuple) else key
        if english and german:
            pairs.append((english, german))
    return pairs


def _fragments(text: str) -> list[str]:
    return [
        piece.strip(" .,:;!?()–-\n")
        for piece in _PLACEHOLDER.split(text)
        if len(piece.strip(" .,:;!?()–-\n")) >= FRAGMENT
    ]


@cache
def _foreign_fragments(language: str) -> tuple[str, ...]:
    """Texts of the other language's side of the catalogue, long enough not
    to be shared by both languages."""
    pairs = _catalogue()
    own_side = "\n".join(
        german if language == "de" else english for english, german in pairs
    )
    found: set[str] = set()
    for english, german in pairs:
        other = english if language == "de" else german
        # A fragment the page's own language also writes ("Administration",
        # "Karlsruhe") says nothing.
        found.update(p for p in _fragments(other) if p not in own_side)
    return tuple(sorted(found))


def wrong_language(text: str, language: str, data: tuple[str, ...] = ()) -> list[str]:
    """What in `text` (a page in `language`) is in the other language, or an
    American date. `data`: names and labels the test data holds, left out."""
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, "")
    text = re.sub(r"https?://\S+|\S+@\S+", "", text)  # addresses are not words
    problems = [
        f"catalogue text {p!r}" for p in _foreign_fragments(language) if p in text
    ]
    words = ENGLISH_WORDS if language == "de" else GERMAN_WORDS
    for match in words.finditer(text):
        around = text[max(0, match.start() - 50) : match.end() + 50]
        problems.append(f"word {match.group(0)!r} in {around!r}")
    problems += [f"American date {m.group(0)!r}" for m in US_DATES.finditer(text)]
    return problems
