"""What every resolver of one request shares: the caller and the request's DataLoaders.

A DataLoader collects the keys that resolvers ask for while a level of the query is
resolved, then reads them in one call: a page of 20 sections costs one BatchGetItem for
their courses and one read of Django's users (with their roles) for their instructors, whatever the
page size. Each request gets its own loaders, so nothing is cached across callers.
"""

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from strawberry.dataloader import DataLoader
from strawberry.django.context import StrawberryDjangoContext

from accounts.api import Actor, RolePermission, UserProfile, user_profiles_by_id
from core.errors import Forbidden
from enrollment.api import CourseData, SectionData, courses_by_id, sections_by_id


def _batched(read: Callable[..., Mapping[str, Any]], keyword: str) -> Callable[[list[str]], Awaitable[list[Any]]]:
    """A DataLoader's load function over a selector that reads many ids at once.

    Ids the selector does not return load as None. The selector runs in Django's
    thread for this request (``sync_to_async``), like every other store call here.
    """

    async def load(ids: list[str]) -> list[Any]:
        found = await sync_to_async(read)(**{keyword: ids})
        return [found.get(id_) for id_ in ids]

    return load


@dataclass
class Loaders:
    course: DataLoader[str, CourseData | None] = field(
        default_factory=lambda: DataLoader(load_fn=_batched(courses_by_id, "course_ids"))
    )
    section: DataLoader[str, SectionData | None] = field(
        default_factory=lambda: DataLoader(load_fn=_batched(sections_by_id, "section_ids"))
    )
    person: DataLoader[str, UserProfile | None] = field(
        default_factory=lambda: DataLoader(load_fn=_batched(user_profiles_by_id, "user_ids"))
    )

    def sections_known(self, sections: Iterable[SectionData]) -> None:
        """Sections a list has just read: a later ``section(id:)`` of one of them reads nothing."""
        for section in sections:
            self.section.prime(section.id, section)


@dataclass
class GraphQLContext(StrawberryDjangoContext):
    actor: Actor = None  # type: ignore[assignment]  # set by the view for every request
    loaders: Loaders = field(default_factory=Loaders)

    def require(self, permissions: Iterable[type[RolePermission]]) -> None:
        """``Forbidden`` unless the caller's roles pass ``permissions``: the same classes
        (and so the same roles) as the REST endpoint that serves this data."""
        for permission in permissions:
            if not permission().has_permission(self.request, None):
                raise Forbidden(permission.message)
