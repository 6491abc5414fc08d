"""Who may do what, on which agency's items: a role × action matrix kept as data.

Two scopes: `ANY` (every item) and `OWN_AGENCY` (only items owned by the user's agency). Staff belong to
one agency and act only on its items; operators (1022 staff) take calls and route; supervisors do
everything including publication and figures; admins additionally manage users, agencies and rules.
"""

from __future__ import annotations

from enum import StrEnum

from feedback_api.feedback.lifecycle import Action


class Role(StrEnum):
    operator = "operator"
    staff = "staff"
    supervisor = "supervisor"
    admin = "admin"


class Extra(StrEnum):
    """Permissions that are not lifecycle transitions."""

    intake = "intake"  # record a new item on behalf of a citizen
    log_call = "log_call"  # set received_at for calls logged by hand
    view = "view"  # staff view of an item (contact data, timeline)
    list_items = "list_items"  # search/list items (e.g. a person's items for the bot)
    edit_publication = "edit_publication"  # edit the published wording
    view_stats = "view_stats"
    manage_users = "manage_users"
    manage_agencies = "manage_agencies"
    manage_rules = "manage_rules"
    claim = "claim"  # give an item to an officer of its agency (oneself or a colleague)
    note = "note"  # internal notes between officers (never published)
    templates = "templates"  # the agency's reusable answer wordings
    handoff = "handoff"  # take over a chat conversation waiting for a human


class Scope(StrEnum):
    ANY = "any"
    OWN_AGENCY = "own_agency"


ANY, OWN = Scope.ANY, Scope.OWN_AGENCY
A, X = Action, Extra

_SUPERVISOR: dict[str, Scope] = {str(action): ANY for action in Action} | {
    X.intake: ANY,
    X.log_call: ANY,
    X.view: ANY,
    X.list_items: ANY,
    X.edit_publication: ANY,
    X.view_stats: ANY,
    X.claim: ANY,
    X.note: ANY,
    X.templates: ANY,
    X.handoff: ANY,
}

# role -> {action: scope}; an action missing from a role's row is forbidden.
MATRIX: dict[Role, dict[str, Scope]] = {
    Role.operator: {
        X.intake: ANY,
        X.log_call: ANY,
        X.view: ANY,
        X.list_items: ANY,
        A.assign: ANY,
        A.transfer: ANY,
        A.return_to_coordinator: ANY,
        A.reject: ANY,
        A.merge: ANY,
        # The citizen often calls 1022 back with the missing details.
        A.provide_info: ANY,
        # The bot's account relays a citizen's "không hài lòng" (it checks the chat owns the item).
        A.reopen: ANY,
        X.note: ANY,
        X.handoff: ANY,
    },
    Role.staff: {
        X.view: OWN,
        X.list_items: OWN,
        X.edit_publication: OWN,
        X.view_stats: OWN,
        A.start: OWN,
        A.request_info: OWN,
        A.provide_info: OWN,
        A.answer: OWN,
        # Misrouted items go back to the coordinator; choosing the next agency is the operators' job.
        A.return_to_coordinator: OWN,
        X.claim: OWN,
        X.note: OWN,
        X.templates: OWN,
    },
    Role.supervisor: _SUPERVISOR,
    Role.admin: _SUPERVISOR | {X.manage_users: ANY, X.manage_agencies: ANY, X.manage_rules: ANY},
}


def scope(role: Role | str, action: Action | Extra | str) -> Scope | None:
    """The scope in which `role` may perform `action`, or None when it may not."""
    if role not in Role._value2member_map_:
        return None
    return MATRIX[Role(role)].get(str(action))


def can(
    role: Role | str,
    action: Action | Extra | str,
    *,
    user_agency: str | None,
    item_agency: str | None,
) -> bool:
    """True when `role` may perform `action` on an item owned by `item_agency`.

    For actions with no item (intake, view_stats for the user's own agency...) pass the agency the
    action concerns as `item_agency`. OWN_AGENCY needs both agencies known and equal.
    """
    granted = scope(role, action)
    if granted is None:
        return False
    if granted is Scope.ANY:
        return True
    return user_agency is not None and item_agency is not None and user_agency == item_agency


def can_view(role: Role | str, *, user_agency: str | None, item_agency: str | None) -> bool:
    """Staff-side view of an item (with contact data and timeline)."""
    return can(role, Extra.view, user_agency=user_agency, item_agency=item_agency)
