"""Leak scanning for anything the SDK produced: text, exception chains, log records, spans.

Every function returns *names* of what leaked (``"a portal url"``, optionally
with where it was found), never the secret, so a failing assertion cannot print
one. A leak is:

* the API key, or any unmasked ``sk_``/``rk_`` key (masked ones read ``sk_test_…abcd``);
* ``Bearer`` followed by anything but ``***``;
* a portal URL on any host: ``/p/session/`` not followed by ``***``, also
  URL-encoded (``%2Fp%2Fsession%2F``) and JSON-escaped (``\\/p\\/session\\/``);
* any issued portal secret as a raw substring (``secrets``).
"""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

import attrs

__all__ = [
    "SecretLookup",
    "exception_texts",
    "find_leaks",
    "record_text",
    "scan_exception",
    "span_text",
]

UNMASKED_KEY = re.compile(r"(?<![0-9A-Za-z])(?:sk|rk)_(?:test_|live_)?[0-9A-Za-z]{6,}")
UNMASKED_BEARER = re.compile(r"Bearer\s+(?!\*\*\*)\S")
_SEP = r"(?:/|%2F|\\/|\\u002F)"
UNMASKED_PORTAL_URL = re.compile(rf"{_SEP}p{_SEP}session{_SEP}(?!\*\*\*)", re.IGNORECASE)
_SECRET_ALPHABET = "A-Za-z0-9_-"


@attrs.frozen
class SecretLookup:
    """Raw secrets to find, in one linear pass however many there are.

    Runs of ``[A-Za-z0-9_-]`` in the text are cut into windows of each length in
    ``lengths`` and looked up with ``contains`` (which may read a set that keeps
    growing, such as the fault server's issued secrets). ``others`` are secrets
    outside that alphabet, searched as plain substrings.
    """

    contains: Callable[[str], bool]
    lengths: frozenset[int]
    others: tuple[str, ...] = ()

    @classmethod
    def of(cls, values: Collection[str]) -> SecretLookup:
        plain = frozenset(v for v in values if v and re.fullmatch(f"[{_SECRET_ALPHABET}]+", v))
        others = tuple(v for v in values if v and v not in plain)
        return cls(plain.__contains__, frozenset(map(len, plain)), others)

    def found_in(self, text: str) -> bool:
        if any(other in text for other in self.others):
            return True
        if not self.lengths:
            return False
        shortest = min(self.lengths)
        for run in re.finditer(f"[{_SECRET_ALPHABET}]{{{shortest},}}", text):
            word = run.group()
            for size in self.lengths:
                if any(self.contains(word[i : i + size]) for i in range(len(word) - size + 1)):
                    return True
        return False


def find_leaks(
    text: str,
    *,
    secrets: SecretLookup | Collection[str] = (),
    api_key: str | None = None,
) -> list[str]:
    """Names of the secrets ``text`` shows (empty when clean)."""
    found = []
    if api_key and api_key[:-4] in text:  # masking may keep the last four characters
        found.append("the API key")
    if UNMASKED_KEY.search(text):
        found.append("an unmasked sk_/rk_ key")
    if UNMASKED_BEARER.search(text):
        found.append("a Bearer credential")
    for match in UNMASKED_PORTAL_URL.finditer(text):
        spelling = match.group().lower()
        name = "a portal url"
        if "%2f" in spelling:
            name += " (URL-encoded)"
        elif "\\" in spelling:
            name += " (JSON-escaped)"
        if name not in found:
            found.append(name)
    lookup = secrets if isinstance(secrets, SecretLookup) else SecretLookup.of(secrets)
    if lookup.found_in(text):
        found.append("an issued portal secret")
    return found


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:  # a broken __repr__ is not a leak; say so instead
        return f"<repr raised {type(exc).__name__}>"


_OPAQUE = (str, bytes, bytearray, int, float, complex, bool, type(None))
# Worth a look even when not in vars() (properties, slots): where HTTP libraries keep headers.
_NAMED = ("request", "response", "headers", "request_info", "json_body", "message", "args")


def _attributes(value: Any) -> Iterator[tuple[str, Any]]:
    names: dict[str, None] = dict.fromkeys(getattr(value, "__dict__", {}) or {})
    for klass in type(value).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names.update(dict.fromkeys([slots] if isinstance(slots, str) else slots))
    names.update(dict.fromkeys(_NAMED))
    names.pop("__weakref__", None)
    names.pop("__dict__", None)
    missing = object()
    for name in names:
        try:
            attribute = getattr(value, name, missing)
        except Exception:  # a property that raises: nothing to show
            attribute = missing
        if attribute is not missing and not callable(attribute):
            yield name, attribute


def exception_texts(
    exc: BaseException, *, depth: int = 3, limit: int = 3000
) -> Iterator[tuple[str, str]]:
    """``(where, text)`` for every exception in ``exc``'s chain and what it holds.

    Follows ``__cause__``, ``__context__`` and exception groups to any length;
    below each exception, walks ``depth`` levels of attributes (``vars()``,
    slots, ``request``/``headers``...), mapping items and sequence items,
    breadth-first and at most ``limit`` objects, yielding ``str``/``repr`` of each.
    """
    queue: deque[tuple[str, Any, int]] = deque([("exc", exc, depth)])
    seen: set[int] = set()
    while queue and len(seen) < limit:
        where, value, left = queue.popleft()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, BaseException):
            left = depth  # every exception in the chain gets the full depth
            try:
                yield where, str(value)
            except Exception as error:
                yield where, f"<str raised {type(error).__name__}>"
            for link in ("__cause__", "__context__"):
                if getattr(value, link) is not None:
                    queue.append((f"{where}.{link}", getattr(value, link), depth))
            for i, inner in enumerate(getattr(value, "exceptions", ()) or ()):
                queue.append((f"{where}.exceptions[{i}]", inner, depth))
        yield where, _safe_repr(value)
        if left == 0 or isinstance(value, _OPAQUE):
            continue
        if isinstance(value, Mapping):
            children = [(f"[{k!r}]", v) for k, v in list(value.items())[:200]]
        elif isinstance(value, (list, tuple, set, frozenset, deque)):
            children = [(f"[{i}]", v) for i, v in enumerate(list(value)[:200])]
        else:
            children = [(f".{name}", v) for name, v in _attributes(value)]
        for suffix, child in children:
            queue.append((where + suffix, child, left - 1))


_INDEX = re.compile(r"\[[^]]*\]")


def scan_exception(
    exc: BaseException,
    *,
    secrets: SecretLookup | Collection[str] = (),
    api_key: str | None = None,
) -> list[str]:
    """``"<what> at <where>"`` for each leak in ``exc``'s chain (see :func:`exception_texts`)."""
    lookup = secrets if isinstance(secrets, SecretLookup) else SecretLookup.of(secrets)
    found: list[str] = []
    for where, text in exception_texts(exc):
        # Keep the attribute path, drop dict keys and indexes: a stable, short name.
        path = _INDEX.sub("[]", where)
        for name in find_leaks(text, secrets=lookup, api_key=api_key):
            label = f"{name} at {path}"
            if label not in found:
                found.append(label)
    return found


_FORMATTER = logging.Formatter()


def record_text(record: logging.LogRecord) -> str:
    """Every field of a log record a handler could print, as one string."""
    parts = [record.getMessage(), _safe_repr(record.args)]
    parts += [f"{name}={_safe_repr(value)}" for name, value in vars(record).items()]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append(_FORMATTER.formatException(record.exc_info))
    return "\n".join(parts)


def span_text(span: Any) -> str:
    """An OpenTelemetry span's name, attributes, events and status, as one string."""
    parts = [str(span.name), _safe_repr(dict(span.attributes or {}))]
    for event in span.events or ():
        parts.append(f"{event.name} {_safe_repr(dict(event.attributes or {}))}")
    status = getattr(span, "status", None)
    if status is not None and status.description:
        parts.append(status.description)
    return "\n".join(parts)
