"""Cleaning the text that reports are made of: HTML remnants, markdown, look-alike letters, odd spaces."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from functools import lru_cache

from storage.text import clean_text

# A tag is "<" + a name; a bare "<" in prose ("a < b") is left alone.
TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
BREAK_TAG = re.compile(r"</?(?:p|div|br|li|ul|ol|tr|h[1-6]|table|tbody|thead)\b[^<>]*>", re.IGNORECASE)
LIST_ITEM_TAG = re.compile(r"<li\b[^<>]*>", re.IGNORECASE)
MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
BULLET = re.compile(r"^\s*(?:(?:[•◦▪▫■□●○‣⁃∙·\uf0b7\uf0a7\uf076*]|-(?=\s))\s*)+")
DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
NON_LATIN_LETTER = re.compile(r"[\u0370-\u03ff\u0400-\u04ff]")
WORD_WITH_NON_LATIN = re.compile(r"\w*[\u0370-\u03ff\u0400-\u04ff]\w*")
MOJIBAKE_HINT = re.compile(r"[ÂÃâ][\u0080-\u00bf€™œ]")
WORDS = re.compile(r"[0-9a-z]+")
NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _latin_lookalike(word: str) -> str:
    """Spell a word typed with Cyrillic or Greek look-alikes ("Туре") in Latin ("Type").

    Words that are genuinely another script (no Latin look-alike for some letter) stay as they are.
    """
    from confusable_homoglyphs import confusables  # here: its tables load slowly and are rarely needed

    found = confusables.is_confusable(word, greedy=True, preferred_aliases=["latin"]) or []
    swap: dict[str, str] = {}
    for entry in found:
        latin = next((h["c"] for h in entry["homoglyphs"] if h["n"].startswith("LATIN")), None)
        if latin is not None and len(latin) == 1:
            swap[entry["character"]] = latin
    spelled = "".join(swap.get(ch, ch) for ch in word)
    return word if NON_LATIN_LETTER.search(spelled) else spelled


def fix_characters(text: str) -> str:
    """Mojibake, compatibility forms (non-breaking spaces, ligatures) and look-alike letters."""
    if MOJIBAKE_HINT.search(text):
        import ftfy  # here: only mojibake needs it, and it loads slowly

        text = ftfy.fix_text(text, normalization="NFC")
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        if NON_LATIN_LETTER.search(text):
            text = WORD_WITH_NON_LATIN.sub(lambda m: _latin_lookalike(m.group(0)), text)
    return text


def strip_markup(text: str) -> str:
    """HTML tags and markdown emphasis out, entities decoded; block tags become line breaks."""
    if "<" in text:
        text = LIST_ITEM_TAG.sub("\n• ", text)
        text = BREAK_TAG.sub("\n", text)
        text = TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    if "*" in text or "_" in text:
        text = MARKDOWN_EMPHASIS.sub(r"\2", text)
    return text


def one_line(text: str | None) -> str:
    """Collapse all white space to single spaces."""
    return " ".join((text or "").split())


@lru_cache(maxsize=8192)  # reports repeat their cells (owners, areas, refs) row after row
def clean_cell(text: str | None) -> str:
    """A table cell or a line as one tidy line of text, bullets and markup removed."""
    if not text:
        return ""
    # Cleaned as storage will store it (storage/text.py), so that what is compared is what is kept.
    text = fix_characters(strip_markup(clean_text(text)))
    lines = [BULLET.sub("", MARKDOWN_HEADING.sub("", line)) for line in text.split("\n")]
    return one_line(" ".join(lines))


def clean_paragraphs(text: str | None) -> list[str]:
    """A cell of discussion as its paragraphs (one per <p>, <li> or line), each one line."""
    if not text:
        return []
    text = fix_characters(strip_markup(text))
    out = []
    for line in text.split("\n"):
        line = one_line(BULLET.sub("", MARKDOWN_HEADING.sub("", line)))
        if line:
            out.append(line)
    return out


def plain_dashes(text: str) -> str:
    if text.isascii():  # every dash it replaces is outside ASCII (and the check costs nothing)
        return text
    return DASHES.sub("-", text)


@lru_cache(maxsize=8192)
def fold(text: str | None) -> str:
    """A comparison key: lower case, accents and punctuation gone, words single-spaced."""
    if not text:
        return ""
    if text.isascii():
        return " ".join(WORDS.findall(text.lower()))
    text = unicodedata.normalize("NFKD", fix_characters(text)).casefold()
    # Accents off, looked at only where the text is not ASCII (a paragraph is, but for a curly quote).
    text = NON_ASCII.sub(_without_accent, text)
    return " ".join(WORDS.findall(text))


def _without_accent(found: re.Match) -> str:
    return "" if unicodedata.combining(found.group()) else found.group()


def passage_key(text: str | None) -> str:
    """A short digest of a passage's folded words: the same passage, however it is punctuated or
    capitalised, has the same key (mentions are stored once per ref and key)."""
    return hashlib.blake2b(fold(text).encode(), digest_size=10).hexdigest()
