"""The specification identifiers (BT-24) of the e-invoices we read, and their known variant spellings.

An identifier says which rules the file follows; the file's content is what we read. Producers
get the identifier's punctuation wrong in known ways — ``urn:cen.eu:en16931:2017:compliant:
factur-x.eu:1p0:basic`` with ":" where the guideline has ``#compliant#urn:`` (python-factur-x,
early ZUGFeRD 2.0 tools), stray blanks, upper case. Such a file is read like the profile it
names, with a warning on the import report; an identifier of no known family is still refused.
"""

from __future__ import annotations

import re

#: identifiers we know; EN 16931 CIUS/extensions chain ``#compliant#urn:…`` / ``#conformant#urn:…``.
KNOWN = (
    re.compile(r"urn:cen\.eu:en16931:2017(?:#(?:compliant|conformant)#urn:[^#\s]+)*"),
    re.compile(r"urn:factur-x\.eu:1p0:(?:minimum|basicwl)"),
    re.compile(r"urn:zugferd\.de:2p0:(?:minimum|basicwl)"),
    re.compile(r"urn:ferd:CrossIndustryDocument:invoice:1p0:(?:basic|comfort|extended)"),
    re.compile(r"urn:ferd:invoice:rc:(?:basic|comfort|extended)"),  # ZUGFeRD 1.0 release candidate
)

_EN16931 = "urn:cen.eu:en16931:2017"
#: ``:compliant:`` / ``:conformant:`` written where the guideline has ``#compliant#urn:``
_COLON_CHAIN = re.compile(r"[:#](compliant|conformant)[:#](?:urn:)?", re.IGNORECASE)


def is_known(profile: str) -> bool:
    return any(p.fullmatch(profile) for p in KNOWN)


def canonical(profile: str) -> str | None:
    """The identifier as the guideline spells it, or None when it belongs to no known family.

    Known as it is → itself. Otherwise blanks removed, the ``urn:cen.eu:en16931:2017`` chain's
    ``:compliant:``/``:conformant:`` separators written as ``#compliant#urn:``, and the URN
    namespace parts compared without regard to case (RFC 8141: "urn" and the NID are
    case-insensitive; producers upper-case the rest too)."""
    if is_known(profile):
        return profile
    text = "".join(profile.split())
    if text.lower().startswith(_EN16931):
        rest = text[len(_EN16931):]
        text = _EN16931 + _COLON_CHAIN.sub(lambda m: f"#{m.group(1).lower()}#urn:", rest)
    if is_known(text):
        return text
    if any(re.fullmatch(p.pattern, text, re.IGNORECASE) for p in KNOWN):
        return _lower_known_parts(text)
    return None


def _lower_known_parts(text: str) -> str:
    """A case-variant of a known identifier in the guideline's case (ids are lower case but for
    ZUGFeRD 1.0's ``CrossIndustryDocument``)."""
    lowered = text.lower()
    return lowered.replace("crossindustrydocument", "CrossIndustryDocument")
