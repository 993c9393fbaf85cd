"""Cursor pagination over DynamoDB queries.

A page is read with ``Limit`` one above the page size: the extra item says whether
another page follows, so a ``next`` link never leads to an empty page. A cursor holds
the key of the item a page starts after (going forward) or before (going back, which
queries the index in reverse), signed with ``SECRET_KEY`` so a client cannot forge or
alter it, and bound to the list and filters it was made for. Clients treat it as an
opaque string; a cursor that fails any of these checks is a 400.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core import signing
from django.template import loader
from drf_spectacular.utils import OpenApiParameter, extend_schema_serializer
from pynamodb.models import Model
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from core.errors import InvalidCursor
from core.serializers import validated

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_SALT = "core.pagination.cursor"
_FORWARD, _BACKWARD = "f", "b"

T = TypeVar("T")
M = TypeVar("M", bound=Model)

# ``query(scan_index_forward=..., limit=..., last_evaluated_key=...)`` -> items.
Query = Callable[..., Iterable[M]]


@dataclass(frozen=True)
class PageRequest:
    """Where a client asked a list to start, and how many items it wants."""

    cursor: str | None = None
    size: int = DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    previous_cursor: str | None


def _item_key(item: Model, key_names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The key of ``item`` in DynamoDB's JSON form, as ``ExclusiveStartKey`` wants it."""
    attributes = item.get_attributes()
    key = {}
    for name in key_names:
        attribute = attributes[name]
        key[attribute.attr_name] = {attribute.attr_type: attribute.serialize(getattr(item, name))}
    return key


def _encode(*, scope: str, direction: str, key: dict[str, Any]) -> str:
    # Signed without a timestamp (``signing.dumps`` adds one): the same position is the
    # same cursor, so a page's links do not change from one second to the next.
    return signing.Signer(salt=_SALT).sign_object({"s": scope, "d": direction, "k": key}, compress=True)


def _decode(cursor: str, *, scope: str) -> tuple[str, dict[str, Any]]:
    try:
        payload = signing.Signer(salt=_SALT).unsign_object(cursor)
    except signing.BadSignature as exc:
        raise InvalidCursor() from exc
    if not isinstance(payload, dict) or payload.get("s") != scope or payload.get("d") not in (_FORWARD, _BACKWARD):
        raise InvalidCursor()
    key = payload.get("k")
    if not isinstance(key, dict) or not key:
        raise InvalidCursor()
    return payload["d"], key


def query_page(
    *,
    query: Query[M],
    key_names: Sequence[str],
    scope: str,
    page: PageRequest,
    convert: Callable[[M], T],
) -> Page[T]:
    """One page of ``query``.

    ``key_names`` are the attributes that make up a position in the index queried: the
    table's key and the index's key. ``scope`` names the list and its filters; a cursor
    made for another scope is refused.
    """
    direction, start_key = _FORWARD, None
    if page.cursor:
        direction, start_key = _decode(page.cursor, scope=scope)
    forward = direction == _FORWARD
    items = list(query(scan_index_forward=forward, limit=page.size + 1, last_evaluated_key=start_key))
    more = len(items) > page.size
    items = items[: page.size]
    if not forward:
        items.reverse()
    if not items:
        return Page(items=[], next_cursor=None, previous_cursor=None)

    def cursor(direction: str, item: Model) -> str:
        return _encode(scope=scope, direction=direction, key=_item_key(item, key_names))

    if forward:
        next_cursor = cursor(_FORWARD, items[-1]) if more else None
        previous_cursor = cursor(_BACKWARD, items[0]) if start_key else None
    else:
        next_cursor = cursor(_FORWARD, items[-1])
        previous_cursor = cursor(_BACKWARD, items[0]) if more else None
    return Page(items=[convert(item) for item in items], next_cursor=next_cursor, previous_cursor=previous_cursor)


def list_page(*, items: Sequence[T], position: Callable[[T], int], scope: str, page: PageRequest) -> Page[T]:
    """One page of a list read whole (a waitlist, say), ordered by the increasing ``position``.

    Cursors hold the position of the item a page starts after (or before), so a page
    is stable while items before or after it come and go.
    """
    forward, start = True, None
    if page.cursor:
        direction, key = _decode(page.cursor, scope=scope)
        forward, start = direction == _FORWARD, key.get("p")
        if not isinstance(start, int):
            raise InvalidCursor()
    if forward:
        chosen = [item for item in items if start is None or position(item) > start][: page.size + 1]
        more = len(chosen) > page.size
        chosen = chosen[: page.size]
    else:
        assert start is not None  # a page going back always comes from a cursor
        chosen = [item for item in items if position(item) < start][-(page.size + 1) :]
        more = len(chosen) > page.size
        chosen = chosen[-page.size :]
    if not chosen:
        return Page(items=[], next_cursor=None, previous_cursor=None)

    def cursor(direction: str, item: T) -> str:
        return _encode(scope=scope, direction=direction, key={"p": position(item)})

    has_next = more if forward else True
    has_previous = (start is not None) if forward else more
    return Page(
        items=list(chosen),
        next_cursor=cursor(_FORWARD, chosen[-1]) if has_next else None,
        previous_cursor=cursor(_BACKWARD, chosen[0]) if has_previous else None,
    )


def index_key_names(model: type[Model], index: Any = None) -> tuple[str, ...]:
    """The attributes positioning an item in ``model``'s table or in one of its indexes."""
    assert model._hash_keyname is not None  # every table has a hash key
    names = [model._hash_keyname]
    if model._range_keyname:
        names.append(model._range_keyname)
    if index is not None:
        for name, attribute in index.Meta.attributes.items():
            if (attribute.is_hash_key or attribute.is_range_key) and name not in names:
                names.append(name)
    return tuple(names)


# --- HTTP side ---------------------------------------------------------------------


class PageRequestSerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=4096, trim_whitespace=True)
    # More than the maximum is refused rather than cut down: the client learns the limit
    # instead of reading a short page as the whole list.
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
    )


def page_request_of(params: Mapping[str, Any]) -> PageRequest:
    """The ``cursor`` and ``page_size`` in ``params``; a ``ValidationError`` (400) if malformed."""
    data = validated(PageRequestSerializer, params)
    return PageRequest(cursor=data.get("cursor"), size=data["page_size"])


def page_request(request: Request) -> PageRequest:
    """The cursor and page size of a list request; 400 on a malformed page size."""
    return page_request_of(request.query_params)


def page_links(request: Request, page: Page) -> dict[str, Any]:
    """``{"next", "previous"}`` as absolute URLs of the same list."""
    url = request.build_absolute_uri()
    return {
        "next": replace_query_param(url, "cursor", page.next_cursor) if page.next_cursor else None,
        "previous": replace_query_param(url, "cursor", page.previous_cursor) if page.previous_cursor else None,
    }


class PageControls:
    """The browsable API's "Previous" and "Next" buttons for a cursor page: DRF's
    renderer shows them for a view's ``paginator`` that has ``display_page_controls``."""

    display_page_controls = True
    template = "rest_framework/pagination/previous_and_next.html"

    def __init__(self, links: Mapping[str, str | None]) -> None:
        self.links = links

    def get_results(self, data: Mapping[str, Any]) -> Any:
        return data["results"]

    def to_html(self) -> str:
        context = {"previous_url": self.links["previous"], "next_url": self.links["next"]}
        return loader.get_template(self.template).render(context)


def page_response(
    request: Request,
    page: Page,
    item_serializer: type[serializers.Serializer],
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """The response of a list endpoint: ``{"next", "previous", "results"}`` and the
    ``extra`` members a list adds (and, in the browsable API, buttons for the two links)."""
    links = page_links(request, page)
    view = (request.parser_context or {}).get("view")
    if view is not None:
        view.paginator = PageControls(links)
    return Response({**links, "results": item_serializer(page.items, many=True).data, **(extra or {})})


PAGE_PARAMETERS = [
    OpenApiParameter(
        name="cursor",
        type=str,
        required=False,
        description="Opaque position from a previous page's `next` or `previous` link.",
    ),
    OpenApiParameter(
        name="page_size",
        type={"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
        required=False,
        description=f"Items per page, {DEFAULT_PAGE_SIZE} by default, at most {MAX_PAGE_SIZE}.",
    ),
]

_page_serializers: dict[type[serializers.Serializer], type[serializers.Serializer]] = {}


def page_serializer(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The serializer (for the OpenAPI document) of a page of ``item``s."""
    if item not in _page_serializers:
        name = f"Paginated{item.__name__.removesuffix('Serializer')}List"
        # One page object, not a list of them: drf-spectacular would otherwise wrap the
        # response of a ``list`` action in an array.
        _page_serializers[item] = extend_schema_serializer(many=False)(
            type(
                name,
                (serializers.Serializer,),
                {
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": item(many=True),
                },
            )
        )
    return _page_serializers[item]
