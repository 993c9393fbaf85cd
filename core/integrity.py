"""A finding of ``manage.py check_integrity``: what is wrong, and the safe fix where one exists.

Each app checks the data it owns (``waitlist.integrity`` its Redis keys,
``enrollment.integrity`` the catalog and what crosses the two stores) and reports
findings of this one shape.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Finding:
    check: str
    subject: str  # a section, student or course id
    detail: str
    # The safe fix: returns what it did. None when a person must decide.
    repair: Callable[[], str] | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return f"{self.check}: {self.subject}: {self.detail}"
