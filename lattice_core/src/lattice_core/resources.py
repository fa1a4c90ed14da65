"""The resource layer: a resource is declared once, and every part reads that.

An [`Operation`][lattice_core.resources.Operation] says how to call one
endpoint (method, path, the params `TypedDict`, the rule table its params are
checked against, the model its answer decodes to); a
[`Resource`][lattice_core.resources.Resource] groups a model's operations under
its Stripe object name. `Session.create` is one line over its operation's
[`prepare`][lattice_core.resources.Operation.prepare]; the fake Stripe routes
and checks requests by the same declarations, and the command line finds its
commands and flags there. The client and the pipeline know no resource.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

import attrs

from .client import AsyncClient, Client
from .errors import ConfigurationError, InvalidParamsError
from .model import Model
from .pagination import AsyncPage, Page, decode_page
from .rules import Rule
from .validation import check_params
from .wording import count, with_article

if TYPE_CHECKING:
    from .billing_portal.rules import FlowType
    from .client import CallOptions
    from .pipeline import Call

__all__ = ["Operation", "Resource"]

R = TypeVar("R", bound=Model)
T = TypeVar("T")

RuleFor = Callable[[tuple["FlowType", ...]], Rule]
"""Makes an operation's params rule, given the flow types plugins registered."""

# What may stand for {id} in a path: Stripe's ids are a prefix, `_` and URL-safe text.
_ID = re.compile(r"[A-Za-z0-9_]+")


@attrs.frozen(eq=False)
class Operation(Generic[R]):
    """One endpoint of a resource: how to call it, check it and read its answer.

    Args:
        name: What the operation is called on the model and in the command line
            (`"create"`).
        method: The HTTP method.
        path: The API path; `{id}` stands for the object's id, where it has one.
        result: The model the 2xx answer decodes to.
        rule: Makes the params rule from the flow types plugins registered
            (most operations ignore them).
        check: A check across fields the table cannot say, run on the plain
            params after the table's (exactly one of two keys, say).
        params: The `TypedDict` users type their params against.
        id_prefix: What the id in the path starts with (`"bpc_"`).
        lists: It answers with a list (a page) of `result`s: send it with
            [`list`][lattice_core.resources.Operation.list].
    """

    name: str
    """The operation's name (`"create"`)."""
    method: Literal["GET", "POST"]
    """The HTTP method."""
    path: str
    """The API path, `{id}` standing for the object's id."""
    result: type[R]
    """The model the 2xx answer decodes to."""
    rule: RuleFor
    """Makes the params rule from the flow types plugins registered."""
    check: Callable[[dict[str, Any]], None] | None = None
    """A check across fields, run after the table's."""
    params: Any = None
    """The `TypedDict` of the params."""
    id_prefix: str | None = None
    """What an id in the path starts with."""
    lists: bool = False
    """Whether it answers with a list (a page) of `result`s."""
    _rules: dict[tuple[FlowType, ...], Rule] = attrs.field(
        factory=dict, init=False, repr=False, alias="_rules"
    )

    def rule_for(self, flow_types: tuple[FlowType, ...] = ()) -> Rule:
        """The params rule given the flow types plugins registered, made once for each set.

        Args:
            flow_types: The flow types plugins registered (a client's
                `hooks.flow_types`).
        """
        found = self._rules.get(flow_types)
        if found is None:
            found = self._rules[flow_types] = self.rule(flow_types)
        return found

    def path_for(self, object_id: str | None) -> str:
        """The path with `object_id` in it, checked so it cannot change the path.

        Args:
            object_id: The id that stands for `{id}`; ignored (and may be `None`)
                when the path has none.

        Raises:
            InvalidParamsError: The id is missing, is not a str, or holds anything
                but letters, digits and `_` (a `/`, `..`, `?`, `#` or space would
                send the request elsewhere), or lacks the resource's prefix.
        """
        if "{id}" not in self.path:
            return self.path
        prefix = self.id_prefix or ""
        noun = self.result.OBJECT_NAME.rpartition(".")[2].replace("_", " ") or "object"
        example = f"{prefix}123" if prefix else "the object's id"
        if not isinstance(object_id, str):
            got = "None" if object_id is None else type(object_id).__name__
            raise InvalidParamsError(
                f"id must be a str such as {example!r}, not {got}.", param="id", reason="type"
            )
        if not _ID.fullmatch(object_id) or not object_id.startswith(prefix):
            shown = "an empty string" if not object_id else count(len(object_id), "character")
            raise InvalidParamsError(
                f"id must be {with_article(noun)} id such as {example!r}: {prefix or 'a prefix'} "
                f"then letters, digits and '_' only; got {shown}, which cannot be one. "
                "Nothing was sent.",
                param="id",
                reason="id",
            )
        return self.path.replace("{id}", object_id)

    def check_params(self, params: object, flow_types: tuple[FlowType, ...] = ()) -> dict[str, Any]:
        """Check `params` against this operation's table; return them as plain data.

        Args:
            params: The params as the user passed them: any mapping.
            flow_types: The flow types the client's plugins registered, for a
                rule that takes them.

        Raises:
            InvalidParamsError: A param is wrong; the message names its path.
        """
        return check_params(self.rule_for(flow_types), params, self.check)

    def prepare(
        self,
        client: Client | AsyncClient,
        params: Mapping[str, Any],
        options: CallOptions,
        *,
        object_id: str | None = None,
        want_async: bool,
    ) -> Call[R]:
        """The checked, prepared call for `client`; nothing is sent.

        Args:
            client: The client to send through; it must be of the kind
                `want_async` says.
            params: The params as the user passed them.
            options: The per-call options (`stripe_account`, `timeout`, ...).
            object_id: The id that goes into the path, for operations on one object.
            want_async: Whether the async twin (`create_async`, say) was called.

        Raises:
            ConfigurationError: `client` is of the other kind.
            InvalidParamsError: A param, the id or an option is wrong.
        """
        # Every call of every resource passes here: the steps are written out, not
        # delegated, so a session's create costs no more calls than it must.
        if isinstance(client, Client if want_async else AsyncClient):
            raise self._wrong_client(want_async)
        path = self.path_for(object_id) if "{id}" in self.path else self.path
        rule = self._rules.get(client.hooks.flow_types) or self.rule_for(client.hooks.flow_types)
        checked = check_params(rule, params, self.check)
        return client.prepare(self.method, path, checked, self.result._decode, **options)

    def call(
        self,
        client: Client,
        params: Mapping[str, Any],
        options: CallOptions,
        object_id: str | None = None,
    ) -> R:
        """Check, send and decode one call through a `Client`.

        Args:
            client: The [`Client`][lattice_core.Client] to send through.
            params: The params as the user passed them.
            options: The per-call options (`stripe_account`, `timeout`, ...).
            object_id: The id that goes into the path, for operations on one object.

        Raises:
            InvalidParamsError: A param, the id or an option is wrong; nothing was sent.
            ConfigurationError: `client` is an `AsyncClient`.
            StripeError: Stripe refused the call or could not be reached.
        """
        return client.send(
            self.prepare(client, params, options, object_id=object_id, want_async=False)
        )

    async def call_async(
        self,
        client: AsyncClient,
        params: Mapping[str, Any],
        options: CallOptions,
        object_id: str | None = None,
    ) -> R:
        """[`call`][lattice_core.resources.Operation.call] through an `AsyncClient`, awaited.

        Args:
            client: The [`AsyncClient`][lattice_core.AsyncClient] to send through.
            params: The params as the user passed them.
            options: The per-call options (`stripe_account`, `timeout`, ...).
            object_id: The id that goes into the path, for operations on one object.

        Raises:
            InvalidParamsError: A param, the id or an option is wrong; nothing was sent.
            ConfigurationError: `client` is a `Client`.
            StripeError: Stripe refused the call or could not be reached.
        """
        call = self.prepare(client, params, options, object_id=object_id, want_async=True)
        return await client.send(call)

    def _list_call(
        self,
        client: Client | AsyncClient,
        params: Mapping[str, Any],
        options: CallOptions,
        want_async: bool,
    ) -> Call[tuple[list[R], bool, str]]:
        def decode(body: dict[str, Any]) -> tuple[list[R], bool, str]:
            return decode_page(self.result, body, self.result.OBJECT_NAME)

        if isinstance(client, Client if want_async else AsyncClient):
            raise self._wrong_client(want_async)
        checked = self.check_params(params, client.hooks.flow_types)
        return client.prepare(self.method, self.path, checked, decode, **options)

    def list(self, client: Client, params: Mapping[str, Any], options: CallOptions) -> Page[R]:
        """The first page of a list through a `Client`; the page fetches the rest.

        Args:
            client: The [`Client`][lattice_core.Client] to send through.
            params: The filters and paging params as the user passed them.
            options: The per-call options, kept for every page after this one.

        Raises:
            InvalidParamsError: A param or an option is wrong; nothing was sent.
            ConfigurationError: `client` is an `AsyncClient`.
            StripeError: Stripe refused the call or could not be reached.
        """
        data, has_more, url = client.send(self._list_call(client, params, options, False))
        return Page(data, has_more, url, params, lambda after: self.list(client, after, options))

    async def list_async(
        self, client: AsyncClient, params: Mapping[str, Any], options: CallOptions
    ) -> AsyncPage[R]:
        """The first page of a list through an `AsyncClient`; the page fetches the rest.

        Args:
            client: The [`AsyncClient`][lattice_core.AsyncClient] to send through.
            params: The filters and paging params as the user passed them.
            options: The per-call options, kept for every page after this one.

        Raises:
            InvalidParamsError: A param or an option is wrong; nothing was sent.
            ConfigurationError: `client` is a `Client`.
            StripeError: Stripe refused the call or could not be reached.
        """
        data, has_more, url = await client.send(self._list_call(client, params, options, True))
        return AsyncPage(
            data, has_more, url, params, lambda after: self.list_async(client, after, options)
        )

    def _wrong_client(self, want_async: bool) -> ConfigurationError:
        model, name = self.result.__name__, self.name
        if want_async:
            return ConfigurationError(
                f"{model}.{name}_async needs an AsyncClient; with a Client use "
                f"{model}.{name}(client, ...)."
            )
        return ConfigurationError(
            f"{model}.{name} needs a Client; with an AsyncClient use "
            f"'await {model}.{name}_async(client, ...)'."
        )


@attrs.frozen(eq=False)
class Resource:
    """A Stripe resource: its object name, its model and its operations.

    Args:
        object_name: The `object` value in Stripe's JSON (`"billing_portal.session"`).
        model: The model its objects decode to.
        operations: Its operations, by name.
    """

    object_name: str
    """The `object` value in Stripe's JSON."""
    model: type[Model]
    """The model its objects decode to."""
    operations: Mapping[str, Operation[Any]]
    """Its operations, by name."""

    @classmethod
    def declare(cls, model: type[Model], *operations: Operation[Any]) -> Resource:
        """Declare `model`'s resource from its operations (its object name is the model's).

        Args:
            model: The model its objects decode to; its `OBJECT_NAME` names the resource.
            *operations: Its operations, each under its own `name`.
        """
        return cls(model.OBJECT_NAME, model, {op.name: op for op in operations})
