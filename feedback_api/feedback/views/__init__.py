"""Thin routers over the feedback use cases (intake, transitions, queries): parse, authorise the caller's
identity, shape the response.

One router per concern: `items` (intake and lookup), `workspace` (the officers' workspace), `templates`
(answer templates), `transitions` (status changes, the citizen's rating); `common` holds what they share.
ROUTERS is in the order the app includes them (the order of the OpenAPI document)."""

from __future__ import annotations

from feedback_api.feedback.views import items, templates, transitions, workspace

ROUTERS = (items.router, workspace.router, templates.router, transitions.router)

__all__ = ["ROUTERS"]
