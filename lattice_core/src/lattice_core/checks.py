"""Every value check of a client's configuration and of a call's options, and nothing else.

Pure functions over values: no I/O, no state. Each check either returns the value
to keep (`check_base_url` drops a trailing slash) or raises the error a user
sees, whose message says what to pass instead and never echoes a secret. A
client's options fail with a [`ConfigurationError`][lattice_core.ConfigurationError]
naming the option; a call's options (`stripe_account`, `idempotency_key`) with an
[`InvalidParamsError`][lattice_core.InvalidParamsError], because they arrive with
the call's params.

`check_call_options` runs on every call that names an option, so it stays one
plain function with no layer under it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigurationError, InvalidParamsError
from .http import is_loopback_host
from .wording import count, with_article

__all__ = [
    "check_api_key",
    "check_api_version",
    "check_base_url",
    "check_call_options",
    "check_disable_plugins",
    "check_max_retries",
    "check_sleep",
    "check_stripe_account",
    "check_timeout",
    "is_header_token",
    "stripe_account_problem",
]

_KEY_MIN_BODY = 8
_KEY_SHAPE = re.compile(rf"(?:sk|rk)_[A-Za-z0-9_]{{{_KEY_MIN_BODY},}}")
_MAX_IDEMPOTENCY_KEY = 255
_ACCOUNT_ID = re.compile(r"acct_[A-Za-z0-9_]+")


# Client configuration: each raises a ConfigurationError naming the option.


def check_api_key(api_key: object) -> str:
    """Reject a malformed key without ever echoing it.

    Only the exact shape is let through, because `repr` and the `redact`
    rules can mask only what looks like a key: a stray character would leak the
    rest of it into logs.
    """
    problem = functools.partial(ConfigurationError, option="api_key")
    where = "Find your secret key at https://dashboard.stripe.com/apikeys."
    if not isinstance(api_key, str):
        raise problem(
            f"api_key must be a str ('sk_...' or 'rk_...'), not {type(api_key).__name__}. {where}"
        )
    if not api_key:
        raise problem(f"api_key is empty; pass your Stripe secret key. {where}")
    if api_key.startswith("pk_"):
        raise problem(
            f"api_key is a publishable key (pk_...), which cannot create portal sessions; "
            f"pass the secret key (sk_...) or a restricted key (rk_...). {where}"
        )
    if not _KEY_SHAPE.fullmatch(api_key):
        shape = (
            f"'sk_' or 'rk_' followed by at least {_KEY_MIN_BODY} ASCII letters, digits or "
            "underscores; no whitespace, dashes or other characters"
        )
        whitespace = _key_whitespace_problem(api_key)
        if whitespace is not None:
            compact = "".join(api_key.split())
            if compact and not _KEY_SHAPE.fullmatch(compact):  # whitespace is not all of it
                whitespace += f" Even without it, api_key is not a key ({shape})."
            raise problem(f"{whitespace} {where}")
        wrapping = _key_wrapping_problem(api_key)
        if wrapping is not None:
            raise problem(f"{wrapping} {where}")
        described = with_article(f"{len(api_key)}-character string")
        raise problem(
            f"api_key is malformed ({described} that is not {shape}); pass the secret or "
            f"restricted key exactly as shown in the Dashboard. {where}"
        )
    return api_key


_WHITESPACE_NAMES = {" ": "a space", "\n": "a newline", "\r": "a carriage return", "\t": "a tab"}


def _whitespace_names(chars: str) -> str:
    """`"a newline and a space"` for the whitespace in `chars` (nothing else is named)."""
    names: list[str] = []
    for char in chars:
        if char.isspace():
            name = _WHITESPACE_NAMES.get(char, f"a Unicode space U+{ord(char):04X}")
            if name not in names:
                names.append(name)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _key_whitespace_problem(api_key: str) -> str | None:
    """What is wrong with whitespace in `api_key`, in words; `None` if it has none.

    Names only the kind and place of the whitespace, never a character of the key.
    """
    stripped = api_key.strip()
    if not stripped:
        return f"api_key is only whitespace ({_whitespace_names(api_key)}); pass your secret key."
    if stripped != api_key:
        lead, trail = api_key != api_key.lstrip(), api_key != api_key.rstrip()
        where = "leading and trailing" if lead and trail else "leading" if lead else "trailing"
        edges = api_key[: len(api_key) - len(api_key.lstrip())] + api_key[len(api_key.rstrip()) :]
        return (
            f"api_key has {where} whitespace ({_whitespace_names(edges)}), as a key read "
            "from a file or an environment variable often has; strip it, e.g. key.strip()."
        )
    if any(char.isspace() for char in api_key):
        return (
            f"api_key has whitespace inside it ({_whitespace_names(api_key)}); a key has "
            "none, so it was probably split or wrapped when copied. Copy it again in one piece."
        )
    return None


def _key_wrapping_problem(api_key: str) -> str | None:
    """Quotes, a `NAME=` prefix or an invisible character around a key, in words; else `None`.

    Never repeats a character of the key: only the variable's name, or the
    code point of an invisible character, is quoted.
    """
    if api_key[:1] in "'\"" and api_key[-1:] in "'\"" and len(api_key) > 1:
        return (
            "api_key is wrapped in quotes, as a value copied from a .env file or a shell "
            "line often is; pass the key without them."
        )
    name, equals, value = api_key.partition("=")
    if equals and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,40}", name):
        if not _KEY_SHAPE.fullmatch(value.strip("'\"")):
            return None
        shown = "a name" if name.startswith(("sk_", "rk_")) else repr(f"{name}=")
        return (
            f"api_key starts with {shown} (a whole 'NAME=value' line was passed); pass only "
            f"the value, e.g. os.environ[{name!r}]."
        )
    import unicodedata  # only on this error path

    invisible = [c for c in api_key if unicodedata.category(c) in ("Cf", "Cc", "Zs")]
    if invisible:
        names = ", ".join(
            dict.fromkeys(
                f"U+{ord(c):04X} {unicodedata.name(c, 'CONTROL CHARACTER')}" for c in invisible
            )
        )
        return (
            f"api_key holds an invisible character ({names}), as text saved with a "
            "byte-order mark or copied from a web page may; delete it, or copy the key again."
        )
    return None


def _origin(scheme: str, host: str, port: int | None) -> str:
    """`scheme://host:port`, an IPv6 host in brackets; the port only when one was given."""
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" if port is None else f"{scheme}://{shown}:{port}"


_SCHEME_TYPO = re.compile(r"(https?)(?::/?|/+)(?=[^/:])", re.IGNORECASE)


def _missing_scheme_problem(base_url: str) -> str | None:
    """What to say of a `base_url` with no `scheme://` (`"localhost:12111"`), else `None`.

    Suggests the URL to pass: the same host and port, `https://` (`http://`
    for a loopback host). Only a host and a port are repeated, never a path,
    query or credentials.
    """
    if "://" in base_url:
        return None
    typo = _SCHEME_TYPO.match(base_url)
    if typo:
        rest = base_url[typo.end() :]
    else:  # "//host" names a host; "/v1" is a path with none
        rest = (
            base_url[2:] if base_url.startswith("//") else "" if base_url[:1] == "/" else base_url
        )
    try:
        parts = urlsplit("//" + rest)
        host, port = parts.hostname or "", parts.port
    except ValueError:  # "[::1" or a port out of range: no host to suggest
        host, port = "", None
    if typo:
        scheme = typo.group(1).lower()
        fixed = repr(_origin(scheme, host, port)) if host else f"a URL such as '{scheme}://...'"
        return f"base_url must start with '{scheme}://', not {typo.group(0)!r}; pass {fixed}."
    if not host:
        return (
            "base_url has no scheme (https:// or http://); pass a URL such as "
            "'https://api.stripe.com' (Stripe) or 'http://127.0.0.1:12111' (a local fake server)."
        )
    if is_loopback_host(host):
        return (
            f"base_url has no scheme (http:// or https://); pass {_origin('http', host, port)!r} "
            "for a local fake server (Stripe itself is 'https://api.stripe.com')."
        )
    return (
        f"base_url has no scheme (https:// or http://); pass {_origin('https', host, port)!r} "
        "(plain http:// is only for a local fake server, such as 'http://127.0.0.1:12111')."
    )


def check_base_url(base_url: object) -> str:
    problem = functools.partial(ConfigurationError, option="base_url")
    example = "such as 'https://api.stripe.com' or 'http://127.0.0.1:12111'"
    if not isinstance(base_url, str) or not base_url:
        raise problem(f"base_url must be a URL string {example}.")
    if not base_url.isprintable() or " " in base_url:
        raise problem(
            f"base_url must not contain spaces or control characters (NUL, CR, LF, tab); "
            f"pass a URL {example}."
        )
    missing = _missing_scheme_problem(base_url)
    if missing is not None:
        raise problem(missing)
    try:
        parts = urlsplit(base_url)
        port = parts.port
    except ValueError as exc:  # "[::1" or a port out of range
        raise problem(
            f"base_url is not a valid URL ({exc}); pass a scheme, a host (an IPv6 address in "
            f"brackets, e.g. 'http://[::1]:12111') and an optional port from 1 to 65535, "
            f"{example}."
        ) from None
    if port == 0:
        raise problem(f"base_url has port 0; pass a port from 1 to 65535, {example}.")
    host, scheme = parts.hostname or "", parts.scheme
    if scheme not in ("http", "https"):
        shown = f"{scheme}://" if len(scheme) <= 16 else "another scheme"
        fixed = (
            repr(_origin("https", host, port)) if host else "a URL such as 'https://api.stripe.com'"
        )
        raise problem(
            f"base_url must be https:// (or http:// to a local fake server on a loopback "
            f"host), not {shown}; pass {fixed}."
        )
    if not host:
        raise problem(f"base_url has no host after '{scheme}://'; pass a URL {example}.")
    if scheme == "http" and not is_loopback_host(host):
        raise problem(
            f"base_url is plain http:// to {host!r}, which is not a loopback host; pass "
            f"{_origin('https', host, port)!r} (plain http:// is only for a local fake server "
            "on 127.0.0.1, ::1 or localhost, such as 'http://127.0.0.1:12111')."
        )
    if "v1" in parts.path.split("/"):
        raise problem(
            f"base_url must not include /v1 (Lattice adds '/v1/...' to every call); pass "
            f"the origin only: {_origin(scheme, host, port)!r}."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise problem(
            "base_url must not carry a query, fragment or credentials; pass the API key as api_key."
        )
    return base_url.rstrip("/")


def check_api_version(api_version: str, example: str) -> str:
    """`api_version` if it can go into the `Stripe-Version` header; `example` is shown if not."""
    if not isinstance(api_version, str) or not is_header_token(api_version):
        raise ConfigurationError(
            f"api_version must be a Stripe API version string such as "
            f"{example!r} (printable ASCII, no spaces), got {api_version!r}.",
            option="api_version",
        )
    return api_version


def check_stripe_account(stripe_account: str | None) -> str | None:
    """A client's default connected account, checked as a call's is."""
    problem = stripe_account_problem(stripe_account)
    if problem is not None:
        raise ConfigurationError(problem, option="stripe_account")
    return stripe_account


def check_max_retries(max_retries: int) -> int:
    """How many retries a client may make: an int from 0 to 100."""
    _check_number("max_retries", max_retries, *_MAX_RETRIES_RANGE)
    return max_retries


def check_timeout(timeout: float) -> float:
    """Seconds an attempt may take, as a float: from 0.001 to a day."""
    _check_number("timeout", timeout, *_TIMEOUT_RANGE)
    return float(timeout)


def _number_problem(
    name: str, value: object, minimum: float, maximum: float, integer: bool
) -> str | None:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not minimum <= value <= maximum:
        what = "an int" if integer else "a number"
        bits = value.bit_length() if isinstance(value, int) else 0
        got = f"an int of {bits} bits" if bits > 64 else repr(value)  # repr() may refuse it
        # NaN fails the range check too: it compares false with everything.
        return f"{name} must be {what} from {minimum} to {maximum}, got {got}."
    return None


def _check_number(name: str, value: object, minimum: float, maximum: float, integer: bool) -> None:
    problem = _number_problem(name, value, minimum, maximum, integer)
    if problem is not None:
        raise ConfigurationError(problem, option=name)


# minimum, maximum, whether an int; a day bounds any sane HTTP call (past it, socket
# APIs overflow or never return).
_TIMEOUT_RANGE: tuple[float, float, bool] = (0.001, 86_400, False)
_MAX_RETRIES_RANGE: tuple[float, float, bool] = (0, 100, True)


def check_disable_plugins(disable_plugins: object) -> None:
    """Refuse a single name where a list of names belongs (its letters would be the names)."""
    if isinstance(disable_plugins, str):
        raise ConfigurationError(
            f"disable_plugins must be a list of plugin names, e.g. [{disable_plugins!r}].",
            option="disable_plugins",
        )


def check_sleep(sleep: Callable[[float], Any], *, awaits: bool) -> Callable[[float], Any]:
    """A client's `sleep`: callable, and not `async def` unless the client `awaits` it."""
    if not callable(sleep):
        raise ConfigurationError(
            "sleep must be a function of the seconds to wait (plain or async def), "
            f"such as lambda seconds: None; got {type(sleep).__name__}.",
            option="sleep",
        )
    if not awaits and _is_async_function(sleep):
        raise ConfigurationError(
            "sleep is an async def function, which a Client calls without awaiting, "
            "so it would never wait; pass a plain function such as time.sleep, or "
            "use it with an AsyncClient.",
            option="sleep",
        )
    return sleep


def _is_async_function(function: object) -> bool:
    import inspect  # only for a sleep= given, which tests do

    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        getattr(function, "__call__", None)  # noqa: B004 - an object with an async __call__
    )


# A call's options: shared with the client's defaults where the value is the same kind.


def stripe_account_problem(value: object) -> str | None:
    """Why `value` cannot go into the `Stripe-Account` header, or `None` if it can.

    Shared by the client default (a `ConfigurationError`) and the per-call
    option (an `InvalidParamsError`). Checking here, not in the transport,
    turns a CR/LF header injection or a stray space into a message that says
    what to pass instead of `requests`' "Invalid header value".
    """
    if value is None:
        return None
    if not isinstance(value, str):
        return f"stripe_account must be a connected account id string, not {type(value).__name__}."
    if not _ACCOUNT_ID.fullmatch(value):
        return (
            "stripe_account must be a connected account id such as 'acct_1032D82eZvKYlo2C' "
            f"('acct_' then letters, digits or '_'; {count(len(value), 'character')} given), "
            "or None."
        )
    return None


def is_header_token(value: str) -> bool:
    """True for a non-empty printable-ASCII value with no whitespace (safe in any header)."""
    return bool(value) and value.isascii() and value.isprintable() and " " not in value


def check_call_options(
    stripe_account: str | None,
    idempotency_key: str | None,
    timeout: float | None = None,
    max_retries: int | None = None,
) -> None:
    """Refuse a call's options: a header that cannot be sent, a number out of range.

    `timeout` and `max_retries` are held to the ranges the client's own are.
    """
    problem = stripe_account_problem(stripe_account)
    if problem is not None:
        raise InvalidParamsError(problem, param="stripe_account", reason="type")
    for name, value, allowed in (
        ("timeout", timeout, _TIMEOUT_RANGE),
        ("max_retries", max_retries, _MAX_RETRIES_RANGE),
    ):
        problem = None if value is None else _number_problem(name, value, *allowed)
        if problem is not None:
            raise InvalidParamsError(
                f"{problem[:-1]}, or None for the client's.", param=name, reason="range"
            )
    if idempotency_key is None:
        return
    if not (
        isinstance(idempotency_key, str)
        and 0 < len(idempotency_key) <= _MAX_IDEMPOTENCY_KEY
        and idempotency_key == idempotency_key.strip()  # aiohttp would strip it silently
        and idempotency_key.isascii()
        and idempotency_key.isprintable()
    ):
        got = (
            count(len(idempotency_key), "character")
            if isinstance(idempotency_key, str)
            else type(idempotency_key).__name__
        )
        raise InvalidParamsError(
            f"idempotency_key must be 1 to {_MAX_IDEMPOTENCY_KEY} printable ASCII characters "
            f"without leading or trailing spaces (a UUID is a good choice) or None, got {got}.",
            param="idempotency_key",
            reason="type",
        )
