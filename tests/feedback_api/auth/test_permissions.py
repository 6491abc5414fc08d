"""The full role × action × agency-relation matrix."""

import itertools

import pytest

from feedback_api.auth.permissions import MATRIX, Extra, Role, Scope, can, can_view, scope
from feedback_api.feedback.lifecycle import Action

A, X = Action, Extra
ALL_ACTIONS = [*Action, *Extra]
SUPERVISOR = set(Action) | {
    X.intake,
    X.log_call,
    X.view,
    X.list_items,
    X.edit_publication,
    X.view_stats,
    X.claim,
    X.note,
    X.templates,
    X.handoff,
}

# Independent statement of the rules (brief + issue 3 § 5).
ANYWHERE = {
    Role.operator: {
        X.intake,
        X.log_call,
        X.view,
        X.list_items,
        A.assign,
        A.transfer,
        A.return_to_coordinator,
        A.reject,
        A.merge,
        A.provide_info,
        # the bot's account relays "không hài lòng"; notes; chat handoffs
        A.reopen,
        X.note,
        X.handoff,
    },
    Role.staff: set(),
    Role.supervisor: SUPERVISOR,
    Role.admin: SUPERVISOR | {X.manage_users, X.manage_agencies, X.manage_rules},
}
OWN_AGENCY_ONLY = {
    Role.operator: set(),
    Role.staff: {
        X.view,
        X.list_items,
        X.edit_publication,
        X.view_stats,
        A.start,
        A.request_info,
        A.provide_info,
        A.answer,
        A.return_to_coordinator,
        # the workspace: claim/give items to colleagues, internal notes, answer templates
        X.claim,
        X.note,
        X.templates,
    },
    Role.supervisor: set(),
    Role.admin: set(),
}
# (user_agency, item_agency) relations
RELATIONS = {
    "same": ("UBND_TAMKY", "UBND_TAMKY"),
    "other": ("UBND_TAMKY", "UBND_HOIAN"),
    "user_without_agency": (None, "UBND_HOIAN"),
    "item_without_agency": ("UBND_TAMKY", None),
    "both_none": (None, None),
}


def expected(role, action, relation):
    if action in ANYWHERE[role]:
        return True
    if action in OWN_AGENCY_ONLY[role]:
        return relation == "same"
    return False


@pytest.mark.parametrize(
    ("role", "action", "relation"),
    list(itertools.product(Role, ALL_ACTIONS, RELATIONS)),
    ids=lambda v: str(v),
)
def test_matrix(role, action, relation):
    user_agency, item_agency = RELATIONS[relation]
    assert can(role, action, user_agency=user_agency, item_agency=item_agency) is expected(role, action, relation)
    # Plain strings (as they come from the database / JWT) behave the same.
    assert can(str(role), str(action), user_agency=user_agency, item_agency=item_agency) is expected(
        role, action, relation
    )


def test_matrix_data_matches_statement():
    for role in Role:
        assert {a for a, s in MATRIX[role].items() if s is Scope.ANY} == {str(a) for a in ANYWHERE[role]}
        assert {a for a, s in MATRIX[role].items() if s is Scope.OWN_AGENCY} == {str(a) for a in OWN_AGENCY_ONLY[role]}


def test_key_rules_spelled_out():
    # Staff answer only their own agency's items; nobody but supervisors/admins publishes.
    assert can(Role.staff, A.answer, user_agency="SYT", item_agency="SYT")
    assert not can(Role.staff, A.answer, user_agency="SYT", item_agency="SGTVT")
    assert not can(Role.operator, A.answer, user_agency=None, item_agency="SYT")
    assert not can(Role.operator, A.publish, user_agency=None, item_agency="SYT")
    assert not can(Role.staff, A.publish, user_agency="SYT", item_agency="SYT")
    assert can(Role.supervisor, A.publish, user_agency=None, item_agency="SYT")
    assert not can(Role.supervisor, X.manage_users, user_agency=None, item_agency=None)
    assert can(Role.admin, X.manage_users, user_agency=None, item_agency=None)


def test_unknown_role_or_action_is_denied():
    assert scope("citizen", A.answer) is None
    assert not can("citizen", A.answer, user_agency="SYT", item_agency="SYT")
    assert not can(Role.admin, "delete_everything", user_agency=None, item_agency=None)


@pytest.mark.parametrize("role", list(Role))
def test_can_view(role):
    assert can_view(role, user_agency="SYT", item_agency="SYT")
    assert can_view(role, user_agency="SYT", item_agency="STP") is (role is not Role.staff)
