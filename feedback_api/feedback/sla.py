"""Service-level policy for PAKN: forwarding and answer deadlines in working days.

Defaults follow the issue: forward (route to the owning agency) within 3 and answer within 10 working
days of receipt. Overrides are data, most specific last:
    defaults < overrides["kinds"][kind] < overrides["agencies"][code] < overrides["agencies"][code]["kinds"][kind]
e.g. {"kinds": {"recommendation": {"answer_days": 15}}, "agencies": {"SXD": {"answer_days": 15}}}.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime

from feedback_api.feedback.workdays import WorkCalendar


@dataclass(frozen=True)
class SlaPolicy:
    forward_days: int = 3
    answer_days: int = 10

    def __post_init__(self):
        if self.forward_days < 0 or self.answer_days < 0:
            raise ValueError("SLA days must be >= 0")


_POLICY_FIELDS = {f.name for f in fields(SlaPolicy)}


def _apply(policy: SlaPolicy, override: Mapping | None) -> SlaPolicy:
    if not override:
        return policy
    values = {k: int(v) for k, v in override.items() if k in _POLICY_FIELDS}
    return replace(policy, **values)


def policy_for(kind: str, agency_code: str | None, settings_or_overrides=None) -> SlaPolicy:
    """The policy for an item of `kind` owned by `agency_code`.

    `settings_or_overrides` is a Settings object (sla_forward_days, sla_answer_days and, when present,
    sla_overrides) or directly an overrides mapping as described in the module docstring (its top-level
    forward_days/answer_days replace the defaults).
    """
    overrides: Mapping
    if settings_or_overrides is None:
        base, overrides = SlaPolicy(), {}
    elif isinstance(settings_or_overrides, Mapping):
        base, overrides = _apply(SlaPolicy(), settings_or_overrides), settings_or_overrides
    else:
        settings = settings_or_overrides
        base = SlaPolicy(
            forward_days=getattr(settings, "sla_forward_days", SlaPolicy.forward_days),
            answer_days=getattr(settings, "sla_answer_days", SlaPolicy.answer_days),
        )
        overrides = getattr(settings, "sla_overrides", None) or {}
    policy = _apply(base, (overrides.get("kinds") or {}).get(kind))
    agency = (overrides.get("agencies") or {}).get(agency_code) if agency_code else None
    if agency:
        policy = _apply(policy, agency)
        policy = _apply(policy, (agency.get("kinds") or {}).get(kind))
    return policy


def deadlines(received_at: datetime, policy: SlaPolicy, calendar: WorkCalendar) -> tuple[datetime, datetime]:
    """(forward_due_at, answer_due_at), both counted from receipt."""
    return (
        calendar.due_at(received_at, policy.forward_days),
        calendar.due_at(received_at, policy.answer_days),
    )


def paused_working_days(paused_at: datetime, resumed_at: datetime, calendar: WorkCalendar) -> int:
    """Working days spent waiting for the citizen (0 for a pause within one day)."""
    return max(0, calendar.working_days_between(paused_at, resumed_at))


def extend_for_pause(due_at: datetime, paused_at: datetime, resumed_at: datetime, calendar: WorkCalendar) -> datetime:
    """needs_info pauses the clock: the due date moves by the working days spent waiting."""
    days = paused_working_days(paused_at, resumed_at, calendar)
    if days == 0:
        return due_at
    return calendar.due_at(due_at, days)


def reminder_due(due_at: datetime, days_before: int, calendar: WorkCalendar) -> datetime:
    """When to remind the owning agency: once only `days_before` working days remain."""
    return calendar.subtract_working_days(due_at, days_before)


def is_overdue(due_at: datetime | None, now: datetime, handled_at: datetime | None = None) -> bool:
    """Late: handled after the deadline, or still unhandled when the deadline has passed."""
    if due_at is None:
        return False
    moment = handled_at if handled_at is not None else now
    return moment > due_at
