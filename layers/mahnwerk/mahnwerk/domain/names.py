"""Names of people and companies, compared as banks and people write them. Pure.

One folding for every comparison (:func:`fold`): case, accents and the letters Unicode does not
decompose (ß, ł, ø, đ, æ, œ, ı) removed, so "Şahin" is "sahin" and "Łukasz" is "lukasz". On top of
it two rules, each for its purpose:

- payment matching (:func:`name_key`, :func:`name_similarity`) is lenient: the umlaut spelled out,
  its dots left off and the umlaut itself are one letter (ä = ae = a: "MUELLER BAU" is
  "Müller Bau GmbH"), and legal forms and titles are dropped. Names match when the Dice overlap of
  their tokens reaches ``NAME_TOKEN_OVERLAP`` (tokens also match when one is a prefix of the other,
  for names the bank truncated) or the difflib ratio of the sorted tokens reaches ``NAME_RATIO``.
- a person's name (:func:`same_person`, for finding it in payments to redact) is strict: every word,
  in any order, and an umlaut written as "ä", "ae" or "a" (Müller = Mueller = Muller), but a name
  the customer wrote with "ae" is not the same as one without.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

#: names match when the Dice overlap of their tokens reaches this …
NAME_TOKEN_OVERLAP = 0.6
#: … or the difflib ratio of their sorted tokens reaches this
NAME_RATIO = 0.85

#: letters NFKD leaves whole: written as their base letters
_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe", "ı": "i", "ß": "ss"})
_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def fold(text: str, *, spell_umlauts: bool = False) -> str:
    """``text`` without case and accents ("Şahin" → "şahin" → "sahin", "Straße" → "strasse");
    the umlauts lose their dots ("Müller" → "muller"), or with ``spell_umlauts`` are written out
    ("Müller" → "mueller")."""
    text = text.casefold()
    if spell_umlauts:
        text = text.translate(_SPELLED)
    text = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def plain_umlauts(text: str) -> str:
    """Umlauts spelled out read as their base letter, on folded text: "mueller" → "muller"."""
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    return text


#: legal forms, titles and filler words in both rules below
_LEGAL_FORMS_AND_TITLES = frozenset({
    "ag", "bv", "co", "dr", "ek", "ev", "firma", "frau", "gbr", "gmbh", "haftungsbeschrankt", "herr",
    "inc", "kg", "kgaa", "llc", "ltd", "mbh", "nv", "ohg", "plc", "prof", "sarl", "se", "the", "ug",
    "und"})
#: say nothing about who paid: dropped before payers' names are compared
_NAME_NOISE = _LEGAL_FORMS_AND_TITLES | {
    "dipl", "ekfm", "ekfr", "fa", "gesellschaft", "herrn", "ing", "mbb", "mr", "mrs", "partg", "u"}
#: not the person (legal forms, titles, particles): never a word of a person's name on its own
_NOT_A_NAME = _LEGAL_FORMS_AND_TITLES | {
    "ab", "as", "das", "de", "del", "der", "die", "eg", "inh", "inhaber", "inhaberin", "la", "le",
    "oy", "sa", "sas", "srl", "van", "vom", "von", "zu"}
_TOKEN = re.compile(r"[^\W_]+")
_WORD = re.compile(r"\w+", re.UNICODE)
_DOTTED_FORMS = re.compile(r"\be\.\s*(?:kfm|kfr|k|v)\b\.?|\bu\.\s*g\.|\bg\.\s*m\.\s*b\.\s*h\.")


# --- payers' names (matching) --------------------------------------------------------------------

class NameKey(NamedTuple):
    tokens: tuple[str, ...]  # sorted, unique, normalised
    joined: str  # the tokens joined by spaces (for difflib)


@lru_cache(maxsize=65_536)
def name_key(name: str) -> NameKey:
    """Case, umlauts (ä = ae = a), ß, accents, legal forms, titles and punctuation removed."""
    text = _DOTTED_FORMS.sub(" ", fold(name))
    tokens = set()
    for token in _TOKEN.findall(text):
        token = plain_umlauts(token)
        if token not in _NAME_NOISE and len(token) > 1:
            tokens.add(token)
    ordered = tuple(sorted(tokens))
    return NameKey(ordered, " ".join(ordered))


def _token_dice(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    rest = list(b)
    matched = 0
    for t in a:
        for j, u in enumerate(rest):
            if t == u or (min(len(t), len(u)) >= 4 and (t.startswith(u) or u.startswith(t))):
                matched += 1
                del rest[j]
                break
    return 2 * matched / (len(a) + len(b))


def similarity(a: NameKey, b: NameKey) -> tuple[float, bool]:
    """(score 0…1, whether the names match by the rule)."""
    if not a.tokens or not b.tokens:
        return 0.0, False
    if a.joined == b.joined:
        return 1.0, True
    dice = _token_dice(a.tokens, b.tokens)
    if dice >= 1.0:
        return 1.0, True
    matcher = difflib.SequenceMatcher(None, a.joined, b.joined, autojunk=False)
    # the ratio is only worth computing when it could pass (its upper bounds reach NAME_RATIO)
    if matcher.real_quick_ratio() < NAME_RATIO or matcher.quick_ratio() < NAME_RATIO:
        return dice, dice >= NAME_TOKEN_OVERLAP
    ratio = matcher.ratio()
    return max(dice, ratio), dice >= NAME_TOKEN_OVERLAP or ratio >= NAME_RATIO


def name_similarity(a: str, b: str) -> float:
    """0…1: how alike two party names are (1.0 for "Müller Bau GmbH" / "MUELLER BAU")."""
    return similarity(name_key(a), name_key(b))[0]


def names_match(a: str, b: str) -> bool:
    return similarity(name_key(a), name_key(b))[1]


# --- a person's name (redaction) -----------------------------------------------------------------

def _variants(token: str) -> set[str]:
    """How a bank or a person may write one word of a name: Şahin → sahin; Müller → muller, mueller."""
    return {fold(token), fold(token, spell_umlauts=True)}


def word_spellings(name: str) -> list[set[str]]:
    """Per word of a person's name that is not a legal form, title or particle: its spellings."""
    return [_variants(w) for w in _WORD.findall(name) if fold(w) not in _NOT_A_NAME]


def same_person(debtor_name: str, name: str) -> bool:
    """The payer's name is this name, in any order and spelling of umlauts (Sahin, Lukasz)."""
    mine = word_spellings(name)
    theirs = [fold(w) for w in _WORD.findall(debtor_name) if fold(w) not in _NOT_A_NAME]
    if not mine or len(mine) != len(theirs):
        return False
    left = list(theirs)
    for variants in mine:
        hit = next((t for t in left if t in variants), None)
        if hit is None:
            return False
        left.remove(hit)
    return True


def find_name(text: str, name: str, whole_only: bool) -> list[tuple[int, int]]:
    """Spans of ``text`` that are the name: the whole name (its words next to each other, in any
    order), and with ``whole_only`` False also each word of it of three letters or more."""
    tokens = word_spellings(name)
    words = list(_WORD.finditer(text))
    spans: list[tuple[int, int]] = []
    if tokens:
        n = len(tokens)
        for start in range(len(words) - n + 1):
            window = words[start:start + n]
            if same_person(" ".join(w.group() for w in window), name):
                spans.append((window[0].start(), window[-1].end()))
    if not whole_only:
        single = set().union(*tokens) if tokens else set()
        spans += [(w.start(), w.end()) for w in words
                  if len(w.group()) >= 3 and fold(w.group()) in single]
    return sorted(set(spans))


def id_names_person(customer_id: str, name: str) -> bool:
    """Customer ids derived from the name (``N-ANNA-SCHMIDT``, when the file had no number)."""
    tokens = word_spellings(name)
    words = {fold(w) for w in _WORD.findall(customer_id)}
    return bool(tokens) and any(words & t for t in tokens if min(len(v) for v in t) >= 3)


__all__ = [
    "NAME_RATIO", "NAME_TOKEN_OVERLAP", "NameKey", "find_name", "fold", "id_names_person", "name_key",
    "name_similarity", "names_match", "plain_umlauts", "same_person", "similarity", "word_spellings",
]
