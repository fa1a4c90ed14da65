"""Small English helpers for error messages: articles and plurals.

Messages are built only when something failed, so none of this runs on a call
that succeeds. Pure functions, shared by every module that words a message.
"""

from __future__ import annotations

__all__ = ["count", "with_article"]

# Words that start with a vowel letter but a consonant sound ("a user", "a one-off").
_CONSONANT_SOUND = ("one", "once", "uni", "use", "usa", "usu", "uti", "eu", "ewe")
# And words that start with a silent "h" ("an hour").
_SILENT_H = ("hour", "honest", "honor", "honour", "heir")


def _sounds_like_vowel(phrase: str) -> bool:
    head = phrase.lstrip("'\"`(")
    digits = len(head) - len(head.lstrip("0123456789"))
    if digits:
        # Read aloud, a number starts with "eight", "eleven" or "eighteen" only when
        # its first digit is 8, or its leading group of three is 11 or 18
        # ("eleven thousand", "eighteen million"; but "one hundred ten thousand").
        lead = head[: digits % 3 or 3]
        return head[0] == "8" or lead in ("11", "18")
    low = head.lower()
    if low.startswith(_SILENT_H):
        return True
    return low[:1] in ("a", "e", "i", "o", "u") and not low.startswith(_CONSONANT_SOUND)


def with_article(phrase: str) -> str:
    """`phrase` after "a" or "an", as it is read aloud.

    Examples:
        `with_article("18-character string")` is `"an 18-character string"`;
        `with_article("AfterCompletion")` is `"an AfterCompletion"`;
        `with_article("8")` is `"an 8"`, `with_article("110")` is `"a 110"`.
    """
    return f"{'an' if _sounds_like_vowel(phrase) else 'a'} {phrase}"


def count(number: int, noun: str) -> str:
    """`number` and `noun`, plural unless it is one: `"1 character"`, `"18 characters"`."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
