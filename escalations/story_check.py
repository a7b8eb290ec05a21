"""The check a story passes before it is published: no detail that identifies the client.

It looks for the client's names, the lines of their address, their postcode, NHS number and
date of birth, case-insensitively and through punctuation ("M.A.R.Y", "mary's", "tr18-2aa",
"943 476 5919", "17/05/1938", "17th May 1938"). It errs on the side of refusing: a coordinator
can always reword a story; a published name cannot be taken back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MONTHS = [
    ("january", "jan"),
    ("february", "feb"),
    ("march", "mar"),
    ("april", "apr"),
    ("may", "may"),
    ("june", "jun"),
    ("july", "jul"),
    ("august", "aug"),
    ("september", "sept?"),
    ("october", "oct"),
    ("november", "nov"),
    ("december", "dec"),
]

# Between the characters of a name: punctuation but not spaces ("M.a.r.y", "O'Brien").
_NAME_GAP = r"[^\w\s]*"
# Between the characters of a number or postcode: any punctuation or space ("TR18 2AA").
_NUMBER_GAP = r"[\W_]*"
# Between the parts of a date: at least one separator.
_DATE_SEP = r"[\W_]+"


@dataclass(frozen=True)
class Finding:
    what: str  # "first name", "postcode", ...
    found: str  # the text as it appears in the story

    def __str__(self) -> str:
        return f"the client's {self.what} (“{self.found}”)"


def normalise(text: str) -> str:
    """NFKC (full-width letters, ligatures) then casefold (ß, dotted I...)."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def _letters(value: str) -> str:
    return "".join(ch for ch in normalise(value) if ch.isalpha())


def _alnum(value: str) -> str:
    return "".join(ch for ch in normalise(value) if ch.isalnum())


def _word_pattern(word: str, gap: str) -> str:
    """``word`` spelled with ``gap`` allowed between its characters, not inside a longer word."""
    body = gap.join(re.escape(ch) for ch in word)
    return rf"(?<![^\W_]){body}(?![^\W_])"


def _name_parts(value: str) -> list[str]:
    """Each word of a name, letters only ("Mary-Jane O'Brien" -> mary, jane, obrien,
    maryjane). Single letters are skipped: an initial alone identifies nobody."""
    words = [_letters(w) for w in re.split(r"\s+", value or "")]
    parts = set()
    for word in words:
        if len(word) >= 2:
            parts.add(word)
    for piece in re.split(r"[\s\-'’.]+", normalise(value)):
        letters = _letters(piece)
        if len(letters) >= 2:
            parts.add(letters)
    return sorted(parts, key=len, reverse=True)


def _address_lines(address: str) -> list[str]:
    """The lines of an address that identify a home: every line or comma-separated part with
    a number or of two words or more ("1 Fore Street", "Rose Cottage"). A single-word part (a
    town: "Penzance") is left alone; a story may say where in Cornwall it happened."""
    lines = []
    for part in re.split(r"[\n,]+", address or ""):
        tokens = re.findall(r"[^\W_]+", normalise(part))
        if not tokens:
            continue
        if len(tokens) >= 2 or any(ch.isdigit() for ch in part):
            lines.append(tokens)
            # "1 Fore Street" also without its number: "Fore Street".
            if tokens[0].isdigit() and len(tokens) >= 3:
                lines.append(tokens[1:])
    return lines


def _date_patterns(dob) -> list[str]:
    d, m, y = dob.day, dob.month, dob.year
    day = rf"0?{d}"
    month = rf"0?{m}"
    year = rf"(?:{y}|{y % 100:02d})"
    day_word = rf"0?{d}(?:st|nd|rd|th)?"
    month_word = "(?:{}|{})".format(*MONTHS[m - 1])
    edge_l, edge_r = r"(?<!\d)", r"(?!\d)"
    return [
        # 17/05/1938, 17.5.38, 17 05 1938
        rf"{edge_l}{day}{_DATE_SEP}{month}{_DATE_SEP}{year}{edge_r}",
        # 1938-05-17
        rf"{edge_l}{y}{_DATE_SEP}{month}{_DATE_SEP}{day}{edge_r}",
        # 05/17/1938 (American order)
        rf"{edge_l}{month}{_DATE_SEP}{day}{_DATE_SEP}{year}{edge_r}",
        # 17051938, 19380517
        rf"{edge_l}{d:02d}{m:02d}{y}{edge_r}",
        rf"{edge_l}{y}{m:02d}{d:02d}{edge_r}",
        # 17th May 1938, 17 may 38
        rf"{edge_l}{day_word}{_DATE_SEP}(?:of{_DATE_SEP})?{month_word}\.?{_DATE_SEP}{year}{edge_r}",
        # May 17th, 1938
        rf"(?<![^\W\d_]){month_word}\.?{_DATE_SEP}{day_word}{_DATE_SEP}{year}{edge_r}",
    ]


def identifying_details(text: str, client) -> list[Finding]:
    """Every identifying detail of ``client`` found in ``text``, in the order of the checks
    (names, address, postcode, NHS number, date of birth); empty when the text is clean."""
    haystack = normalise(text)
    findings: list[Finding] = []
    original = unicodedata.normalize("NFKC", text or "")

    def search(pattern: str) -> str | None:
        match = re.search(pattern, haystack)
        if not match:
            return None
        # casefold keeps lengths for the scripts clients' names use; fall back to the match.
        found = original[match.start() : match.end()]
        return found if normalise(found) == match.group(0) else match.group(0)

    seen: set[str] = set()
    for what, value in (("first name", client.first_name), ("surname", client.last_name)):
        for part in _name_parts(value):
            if part in seen:
                continue
            found = search(_word_pattern(part, _NAME_GAP))
            if found:
                seen.add(part)
                findings.append(Finding(what, found))
                break

    for tokens in _address_lines(client.address):
        pattern = r"[\W_]+".join(_word_pattern(t, _NAME_GAP) for t in tokens)
        found = search(pattern)
        if found:
            findings.append(Finding("address", found))
            break

    postcode = _alnum(client.postcode)
    if len(postcode) >= 5:
        found = search(_word_pattern(postcode, _NUMBER_GAP))
        if found:
            findings.append(Finding("postcode", found))

    nhs = _alnum(client.nhs_number)
    if nhs:
        body = _NUMBER_GAP.join(re.escape(ch) for ch in nhs)
        found = search(rf"(?<!\d){body}(?!\d)")
        if found:
            findings.append(Finding("NHS number", found))

    if client.date_of_birth:
        for pattern in _date_patterns(client.date_of_birth):
            found = search(pattern)
            if found:
                findings.append(Finding("date of birth", found))
                break
    return findings


def describe(findings: list[Finding]) -> str:
    """One sentence for the coordinator naming everything found."""
    parts = [str(f) for f in findings]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"This story contains {listed}. Take them out before it is shared."
