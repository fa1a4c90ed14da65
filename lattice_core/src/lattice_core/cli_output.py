"""What the command line writes: the result on stdout, and everything else masked on stderr.

Every object is printed whole, as Stripe sent it (`to_dict()`), as indented
JSON; a page as Stripe's list object; `list --all` one object a line. `--mask`
hides what the model declares secret, as its `repr` does, for output meant to
be shared: a field made with `attrs.field(repr=masked)` (a session's `url`, a
configuration's `login_page.url`, its `metadata` values) prints "***" (a map
keeps its keys), a model that shows only its shape (a session's `flow`) keeps
its `type`s and nulls, and everything else goes through `mask_value`, so an
unknown field or an expanded object holding a portal url or a key is hidden too.

Whatever else the command writes goes to stderr through a stream that masks it
(portal URLs, keys, the API key as given), log records included.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import typing
from collections.abc import Iterator, Sequence
from typing import IO, Any

import attrs

from .masking import mask, mask_value
from .model import Model
from .pagination import AsyncPage, Page

__all__ = [
    "API_KEY_ENV",
    "MaskedStream",
    "Printer",
    "logs_to",
    "masked_paths",
    "secrets_in",
    "text_table",
]

API_KEY_ENV = "STRIPE_API_KEY"
"""The environment variable the command line reads the API key from."""


class Printer:
    """Where and how a command prints its result: stdout as it was when the command began.

    A plugin's prints go to stderr while the command runs; the result must not.
    """

    def __init__(self, stream: IO[str], *, masked: bool, url_only: bool) -> None:
        self._stream = stream
        self._masked = masked
        self._url_only = url_only

    def one(self, obj: Model) -> None:
        text = str(getattr(obj, "url", "")) if self._url_only else None
        self._print(text if text is not None else _object_json(obj, masked=self._masked))

    def page(self, page: Page[Any] | AsyncPage[Any]) -> None:
        self._print(_page_json(page, masked=self._masked))

    def line(self, obj: Model) -> None:
        self._print(_line_json(obj, masked=self._masked))

    def _print(self, text: str) -> None:
        print(text, file=self._stream, flush=True)


# -- stdout ----------------------------------------------------------------------------

_MAX_DEPTH = 8  # models nest a few levels; a self-referencing one must not loop


def _object_data(model: Model, *, masked: bool = False) -> dict[str, Any]:
    """`model` as JSON data: all of it, or masked for sharing (see the module)."""
    data = model.to_dict()
    return _masked(model, data) if masked else data


def _object_json(model: Model, *, masked: bool = False) -> str:
    """`model` as the command prints one object: indented JSON."""
    return json.dumps(_object_data(model, masked=masked), indent=2)


def _line_json(model: Model, *, masked: bool = False) -> str:
    """`model` on one line, as `list --all` prints each object (JSON lines)."""
    return json.dumps(_object_data(model, masked=masked))


def _page_json(page: Page[Any] | AsyncPage[Any], *, masked: bool = False) -> str:
    """A page as Stripe's list object: `object`, `data`, `has_more` and `url`, indented."""
    data = [_object_data(item, masked=masked) for item in page.data]
    listed = {"object": "list", "data": data, "has_more": page.has_more, "url": page.url}
    return json.dumps(listed, indent=2)


def _masked(model: Model, data: dict[str, Any]) -> dict[str, Any]:
    fields = {field.name: field for field in attrs.fields(type(model))}  # type: ignore[arg-type]
    shown: dict[str, Any] = {}
    for key, value in data.items():
        field = fields.get(key)
        held = getattr(model, key) if field is not None else None
        if isinstance(held, Model) and type(held)._MASK_VALUES:
            shown[key] = _shape(value)
        elif field is not None and callable(field.repr):
            shown[key] = _hidden(value)
        elif isinstance(held, Model) and isinstance(value, dict):
            shown[key] = _masked(held, value)
        elif isinstance(held, list) and isinstance(value, list) and len(held) == len(value):
            shown[key] = [
                _masked(item, raw)
                if isinstance(item, Model) and isinstance(raw, dict)
                # an item that is no model: masked like any other value
                else mask_value(raw)
                for item, raw in zip(held, value, strict=True)
            ]
        else:
            shown[key] = mask_value(value)
    return shown


def _hidden(value: Any) -> Any:
    """A secret value as `--mask` prints it: `"***"`; a map keeps its keys; null stays."""
    if value is None or value == "":
        return value
    if isinstance(value, dict):
        return dict.fromkeys(value, "***")
    return "***"


def _shape(node: Any, key: str = "") -> Any:
    """Every value masked but `type` (an enum) and `null`: what a shape-only model shows."""
    if isinstance(node, dict):
        return {k: _shape(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_shape(item) for item in node]
    if node is None or (key == "type" and isinstance(node, str)):
        return node
    return "***"


def masked_paths(model: type[Model], prefix: str = "", depth: int = 0) -> list[str]:
    """The dotted paths `--mask` hides in `model` (`login_page.url`), for `--help`."""
    try:
        hints = typing.get_type_hints(model)
    except (NameError, TypeError):  # an annotation only a type checker can resolve
        hints = {}
    paths: list[str] = []
    for field in attrs.fields(model):  # type: ignore[arg-type]
        path = prefix + field.name
        if callable(field.repr):
            paths.append(path)
        elif depth < _MAX_DEPTH:
            for inner in _models_in(hints.get(field.name)):
                paths += masked_paths(inner, path + ".", depth + 1)
    return paths


def _models_in(hint: Any) -> Iterator[type[Model]]:
    """The model classes a type hint names: `LoginPage | None`, `list[FeatureProduct]`."""
    if isinstance(hint, type) and issubclass(hint, Model):
        yield hint
    for arg in typing.get_args(hint):
        yield from _models_in(arg)


# -- stderr ----------------------------------------------------------------------------


class MaskedStream(io.TextIOBase):
    """A text stream that masks what it is given before passing it on.

    Masked: whatever [`mask`][lattice_core.masking.mask] recognises, and the
    API key as given (a key of another shape is hidden too).
    """

    def __init__(self, stream: IO[str], secrets: Sequence[str]) -> None:
        super().__init__()
        self._stream = stream
        self._secrets = secrets

    def write(self, text: str) -> int:
        shown = text
        for secret in self._secrets:
            shown = shown.replace(secret, "***")
        self._stream.write(mask(shown))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()


_SHORTEST_SECRET = 8  # a shorter "key" is no key; hiding every "abc" would garble messages


def secrets_in(argv: Sequence[str]) -> tuple[str, ...]:
    """The API key as given on the command line and in the environment, to hide verbatim."""
    found = [os.environ.get(API_KEY_ENV, "")]
    for index, word in enumerate(argv):
        if word == "--api-key" and index + 1 < len(argv):
            found.append(argv[index + 1])
        elif word.startswith("--api-key="):
            found.append(word.partition("=")[2])
    return tuple({key for key in found if len(key) >= _SHORTEST_SECRET})


@contextlib.contextmanager
def logs_to(stream: IO[str], level: str) -> Iterator[None]:
    """Log records from `level` up to `stream` while the command runs; others' from warning up.

    Lattice's own logger is set to `level` (and set back after); the root logger is
    left as it is, so other libraries' debug and info records stay where they were.
    """
    lattice = logging.getLogger("lattice")
    saved = lattice.level
    chosen = logging.getLevelName(level.upper())
    others = max(chosen, logging.WARNING)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(
        lambda record: (
            record.levelno >= chosen
            and (record.levelno >= others or record.name.partition(".")[0] == "lattice")
        )
    )
    lattice.setLevel(chosen)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        lattice.setLevel(saved)


def text_table(rows: Sequence[Sequence[str]]) -> str:
    """Rows as columns two spaces apart, each as wide as its widest cell."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
