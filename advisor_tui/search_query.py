"""Reading what an advisor typed into the search box: which kind of key it is.

Shared by the native mock (which searches with it) and the TMF customers adapter
(which turns it into TMF attribute filters), so both find the same customers.
"""

from __future__ import annotations

import re

from advisor_tui.contract import SearchField

# UK postcode: outward code (area letters, district digit, optional letter or
# digit), then inward code (digit + two letters); the space is optional.
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.IGNORECASE)
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
_ACCOUNT_DIGITS = re.compile(r"^[0-9]{6,12}$")


def normalise_phone(text: str) -> str | None:
    """National form ``0XXXXXXXXXX`` of a UK number, or None if it is not one."""
    compact = _PHONE_PUNCTUATION.sub("", text)
    if compact.startswith("+44"):
        compact = "0" + compact[3:].removeprefix("0")
    if compact.startswith("0") and compact.isdigit() and 10 <= len(compact) <= 11:
        return compact
    return None


def normalise_postcode(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def parse_query(query: str) -> tuple[SearchField, str, str]:
    """What the query is, and the key (and, for postcode + surname, the surname).

    Returns ``(field, key, surname)``; ``surname`` is empty except for
    postcode searches. The order matters: a phone number is also all digits,
    so it is recognised before an account number.
    """
    text = query.strip()
    phone = normalise_phone(text) if text[:1] in ("0", "+") else None
    if phone is not None:
        return SearchField.PHONE, phone, ""
    if _ACCOUNT_DIGITS.match(text.replace(" ", "")):
        return SearchField.ACCOUNT_NUMBER, text.replace(" ", ""), ""
    if text.startswith("@"):
        return SearchField.SOCIAL_HANDLE, text.lower(), ""
    if "@" in text and "." in text:
        return SearchField.EMAIL, text.lower(), ""
    postcode = _POSTCODE.search(text)
    if postcode is not None:
        rest = (text[: postcode.start()] + " " + text[postcode.end() :]).split()
        key = normalise_postcode(postcode.group(1) + postcode.group(2))
        return SearchField.POSTCODE_SURNAME, key, " ".join(rest).lower()
    return SearchField.NAME, text.lower(), ""


def surname_matches(name: str, surname: str) -> bool:
    # Matching the end of the name, on a word boundary, takes multi-word
    # surnames ("van der Berg") and ignores titles and first names.
    lowered = name.lower()
    return lowered == surname or lowered.endswith(" " + surname)
