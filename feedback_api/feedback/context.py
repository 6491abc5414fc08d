"""What the feedback use cases need besides a session, built once per app: settings, the working-day
calendar, the agency directory and the routing rules; and who is acting."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from common.settings import Settings
from feedback_api.feedback.workdays import WorkCalendar, calendar_from_settings
from feedback_api.routing import rules as routing
from knowledge_base.directory import Directory

SYSTEM_ACTOR = "system"
CITIZEN_ACTOR = "citizen"


@dataclass
class ServiceContext:
    settings: Settings
    directory: Directory
    calendar: WorkCalendar = field(init=False)  # from the settings, built (and checked) with the context

    def __post_init__(self) -> None:
        self.calendar = calendar_from_settings(self.settings)

    @cached_property
    def routing_rules(self):
        return routing.load_rules()

    def route(self, content: str, location: str | None, category: str | None):
        return routing.route(
            content, location, category, list(self.directory), self.routing_rules, self.settings.coordinator_agency
        )


@dataclass(frozen=True)
class Actor:
    name: str
    role: str | None  # None: a citizen proving the phone's last digits
    agency: str | None = None

    @classmethod
    def of(cls, user) -> Actor:
        return cls(user.username, user.role, user.agency_code)


CITIZEN = Actor(CITIZEN_ACTOR, None, None)
