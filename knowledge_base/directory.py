"""The agency directory in force: lookup by today's code or by a former code a merged unit took over."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from knowledge_base.models import Agency


class Directory:
    def __init__(self, agencies: Iterable[Agency]):
        self.agencies: tuple[Agency, ...] = tuple(agencies)

    @cached_property
    def _index(self) -> dict[str, Agency]:
        index = {a.code: a for a in self.agencies}
        for agency in self.agencies:
            for old in agency.replaces:
                index.setdefault(old, agency)
        return index

    @cached_property
    def codes(self) -> frozenset[str]:
        """Today's codes (former codes resolve through `get` but are not offered)."""
        return frozenset(a.code for a in self.agencies)

    def get(self, code: str | None) -> Agency | None:
        """The agency with this code, or the agency that took over a former code."""
        return self._index.get(code) if code else None

    def name(self, code: str | None) -> str | None:
        """The agency's name for display; an unknown code is shown as it is (never dropped)."""
        agency = self.get(code)
        return agency.name if agency else code

    def __iter__(self):
        return iter(self.agencies)

    def __len__(self) -> int:
        return len(self.agencies)
