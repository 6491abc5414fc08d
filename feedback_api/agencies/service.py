"""The agency directory, read from the knowledge base (data, never code)."""
from __future__ import annotations

from functools import lru_cache

from knowledge_base.models import Agency


@lru_cache(maxsize=1)
def _directory() -> tuple[Agency, ...]:
    from knowledge_base.loader import load_agencies

    return tuple(load_agencies())


def list_agencies() -> list[Agency]:
    return list(_directory())


def agency_codes() -> set[str]:
    return {a.code for a in _directory()}


def get_agency(code: str | None) -> Agency | None:
    if code is None:
        return None
    for agency in _directory():
        if agency.code == code:
            return agency
    return None


def agency_name(code: str | None) -> str | None:
    agency = get_agency(code)
    return agency.name if agency else code
