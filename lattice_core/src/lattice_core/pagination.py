"""A page of a list, and walking every page after it.

Stripe's list endpoints answer with `{"object": "list", "data": [...],
"has_more": ..., "url": ...}`. A [`Page`][lattice_core.pagination.Page] holds
that, iterates over its items, and
[`auto_paging_iter`][lattice_core.pagination.Page.auto_paging_iter] goes on
through the following pages, asking for each with `starting_after` (the
last id seen) until `has_more` is false. A list that began with
`ending_before` is walked backwards the same way, with `ending_before` the
first id seen, as Stripe's own libraries do.
[`AsyncPage`][lattice_core.pagination.AsyncPage] is the same for an
`AsyncClient`: its walk is an async iterator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from .converters import structure_or_api_error
from .errors import APIError

__all__ = ["AsyncPage", "Page"]

T = TypeVar("T")


def decode_page(item: type[T], body: Mapping[str, Any], what: str) -> tuple[list[T], bool, str]:
    """The items, `has_more` and `url` of a list answer; `APIError` when it is not one.

    Args:
        item: The model each element of `data` decodes to.
        body: The JSON object of the answer (its nesting already bounded).
        what: The object name of the items, for a message.

    Raises:
        APIError: `body` is not a list object, or an item is not `item`; the
            message names the field at fault, never a value.
    """
    data, has_more, url = body.get("data"), body.get("has_more"), body.get("url")
    if not isinstance(data, list) or not isinstance(has_more, bool) or not isinstance(url, str):
        wrong = [
            f"{name}: expected {kind}"
            for name, ok, kind in (
                ("data", isinstance(data, list), "a list"),
                ("has_more", isinstance(has_more, bool), "a boolean"),
                ("url", isinstance(url, str), "a string"),
            )
            if not ok
        ]
        raise APIError(
            f"could not decode a list of {what} from Stripe's answer: {'; '.join(wrong)}"
        )
    items: list[T] = []
    for index, element in enumerate(data):
        try:
            items.append(structure_or_api_error(element, item, what, depth_checked=True))
        except APIError as exc:
            raise APIError(f"in data[{index}] of a list: {exc.message}") from exc
    return items, has_more, url


def _cursor(params: Mapping[str, Any], data: list[Any]) -> dict[str, str]:
    """The cursor asking for the page after `data`: backwards for an `ending_before` walk."""
    if params.get("ending_before") is not None and params.get("starting_after") is None:
        return {"ending_before": data[0].id}
    return {"starting_after": data[-1].id}


class _BasePage(Generic[T]):
    __slots__ = ("_params", "data", "has_more", "url")

    def __init__(self, data: list[T], has_more: bool, url: str, params: Mapping[str, Any]) -> None:
        self.data: list[T] = data
        """The items of this page, in Stripe's order (newest first)."""
        self.has_more: bool = has_more
        """Whether more items follow this page."""
        self.url: str = url
        """The API path this list comes from, such as `"/v1/billing_portal/configurations"`."""
        self._params = dict(params)

    def __iter__(self) -> Iterator[T]:
        """The items of this page only; see `auto_paging_iter` for every page."""
        return iter(self.data)

    def __len__(self) -> int:
        """How many items this page holds."""
        return len(self.data)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(data=[{len(self.data)} items], "
            f"has_more={self.has_more!r}, url={self.url!r})"
        )

    def _next_params(self) -> dict[str, Any] | None:
        """The params asking for the page after this one; `None` after the last."""
        if not self.has_more or not self.data:
            return None
        params = {
            key: value
            for key, value in self._params.items()
            if key not in ("starting_after", "ending_before")
        }
        params.update(_cursor(self._params, self.data))
        return params


class Page(_BasePage[T]):
    """One page of a list, from a [`Client`][lattice_core.Client].

    Iterating a page gives its own items; `auto_paging_iter()` gives every
    item of this page and all the ones after it.

    A resource's `list` makes the first page; you do not build one yourself.

    Args:
        data: The items of this page.
        has_more: Whether more items follow it.
        url: The API path the list comes from.
        params: The params of the call that asked for it; the next page's
            call sends them again, with the cursor moved.
        fetch: Sends that call and returns the next page.
    """

    __slots__ = ("_fetch",)

    def __init__(
        self,
        data: list[T],
        has_more: bool,
        url: str,
        params: Mapping[str, Any],
        fetch: Callable[[dict[str, Any]], Page[T]],
    ) -> None:
        super().__init__(data, has_more, url, params)
        self._fetch = fetch

    def next_page(self) -> Page[T] | None:
        """The page after this one, or `None` when `has_more` is false.

        Raises:
            StripeError: Fetching it failed.
        """
        params = self._next_params()
        return None if params is None else self._fetch(params)

    def auto_paging_iter(self) -> Iterator[T]:
        """Every item of this page, then of each following page, fetched as needed.

        The same params and options as the first call, with the cursor moved.

        Raises:
            StripeError: Fetching a page failed (the items before it were given).
        """
        page: Page[T] | None = self
        while page is not None:
            yield from page.data
            page = page.next_page()


class AsyncPage(_BasePage[T]):
    """One page of a list, from an [`AsyncClient`][lattice_core.AsyncClient].

    Iterating a page gives its own items; `async for item in
    page.auto_paging_iter()` gives every item of this page and all the ones
    after it.

    A resource's `list` makes the first page; you do not build one yourself.

    Args:
        data: The items of this page.
        has_more: Whether more items follow it.
        url: The API path the list comes from.
        params: The params of the call that asked for it; the next page's
            call sends them again, with the cursor moved.
        fetch: Sends that call and returns (an awaitable of) the next page.
    """

    __slots__ = ("_fetch",)

    def __init__(
        self,
        data: list[T],
        has_more: bool,
        url: str,
        params: Mapping[str, Any],
        fetch: Callable[[dict[str, Any]], Awaitable[AsyncPage[T]]],
    ) -> None:
        super().__init__(data, has_more, url, params)
        self._fetch = fetch

    async def next_page(self) -> AsyncPage[T] | None:
        """The page after this one, or `None` when `has_more` is false.

        Raises:
            StripeError: Fetching it failed.
        """
        params = self._next_params()
        return None if params is None else await self._fetch(params)

    async def auto_paging_iter(self) -> AsyncIterator[T]:
        """Every item of this page, then of each following page, fetched as needed.

        Raises:
            StripeError: Fetching a page failed (the items before it were given).
        """
        page: AsyncPage[T] | None = self
        while page is not None:
            for item in page.data:
                yield item
            page = await page.next_page()
