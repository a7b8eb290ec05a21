"""Who may reach every named URL: the table test_access_matrix.py checks.

A row per URL name. ``row(...)`` takes the expected status for each user key of the ``users``
fixture (tests/conftest.py) and ``anonymous``; shorthands set many at once and later
arguments override earlier ones:

    all=       every signed-in user (own locality and the other_* outsiders)
    staff=     coordinator, team_leader, mdt_chair, practitioner, admin (+ their other_*)
    locality=  coordinator, team_leader (+ other_coordinator, other_team_leader)
    outsiders= every other_* user
    anonymous= defaults to LOGIN: a redirect to the sign-in page

A value is a status code, or LOGIN. Signed-in staff have entered their second factor (that
gate has its own test). ``kwargs`` builds the URL's arguments from the ``world`` fixture
(tests/security/conftest.py); ``method="post"`` with ``data`` for POST-only URLs; ``form=True``
marks a page with a form, which test_forms_fuzz.py fills with random text as ``fuzz_as``.

Expected statuses follow CONTRIBUTING.md: outside a user's scope an object is a 404; a page a
role may not use at all is a 403 (or a 404 where its existence is itself private).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

LOGIN = "login"

OWN = ("volunteer", "coordinator", "team_leader", "mdt_chair", "practitioner", "admin")
OUTSIDERS = (
    "other_volunteer",
    "other_coordinator",
    "other_team_leader",
    "other_mdt_chair",
    "other_practitioner",
)
USER_KEYS = OWN + OUTSIDERS
WHO = ("anonymous", *USER_KEYS)

GROUPS = {
    "all": USER_KEYS,
    "staff": tuple(k for k in USER_KEYS if "volunteer" not in k),
    "volunteers": ("volunteer", "other_volunteer"),
    "locality": ("coordinator", "team_leader", "other_coordinator", "other_team_leader"),
    "outsiders": OUTSIDERS,
}


@dataclass(frozen=True)
class Row:
    expect: dict
    kwargs: Callable | None = None
    method: str = "get"
    data: Callable | None = None
    form: bool = False
    fuzz_as: str | None = None
    notes: str = field(default="", compare=False)


def row(*, kwargs=None, method="get", data=None, form=False, fuzz_as=None, notes="", **given):
    expect = {"anonymous": LOGIN}
    for key, value in given.items():
        if key in GROUPS:
            expect.update(dict.fromkeys(GROUPS[key], value))
        elif key in WHO:
            expect[key] = value
        else:
            raise TypeError(f"row(): unknown user key or group {key!r}")
    missing = [k for k in WHO if k not in expect]
    if missing:
        raise TypeError(f"row(): say what {', '.join(missing)} get")
    if form and fuzz_as is None:
        fuzz_as = next(k for k in WHO if expect[k] == 200)
    return Row(expect, kwargs, method, data, form, fuzz_as, notes)


MATRIX: dict[str, Row] = {
    # --- foundation -------------------------------------------------------------------------
    "home": row(all=200),
    "healthz": row(anonymous=200, all=200),
    "readyz": row(anonymous=200, all=200),
    "login": row(anonymous=200, all=302, form=True, notes="signed in: sent home"),
    "logout": row(method="post", all=302),
    "notifications": row(all=200),
    "notification_read": row(
        method="post", data=lambda w: {"notification": w.notification.pk}, all=302
    ),
    "admin:index": row(all=302, admin=200, anonymous=302, notes="anonymous: via admin:login"),
    "admin:login": row(all=302, notes="the app's sign-in is the only way in"),
    # --- account (second factor, passwords) -------------------------------------------------
    "account:overview": row(all=200),
    "account:otp_verify": row(all=302, notes="verified or without a device: sent on"),
    "account:otp_setup": row(
        staff=302, volunteers=200, form=True, notes="optional for volunteers; staff have one"
    ),
    "account:password_change": row(all=200, form=True),
    "account:password_reset": row(anonymous=200, all=200, form=True),
    "account:password_reset_done": row(anonymous=200, all=200),
    "account:password_reset_confirm": row(
        kwargs=lambda w: {"uidb64": "MQ", "token": "no-such-token"},
        anonymous=200,
        all=200,
        notes="an invalid link: says it has expired",
    ),
    "account:password_reset_complete": row(anonymous=200, all=200),
    # --- calendar feed ----------------------------------------------------------------------
    "calendar": row(all=200),
    "calendar_reset": row(method="post", all=302),
    "calendar_feed": row(
        kwargs=lambda w: {"token": w.users["volunteer"].calendar_token},
        anonymous=200,
        all=200,
        notes="the unguessable link is the key: calendar apps have no session",
    ),
    # clients: and volunteers: rows are in access_matrix_people.py; mdt: in access_matrix_mdt.py.
    # --- volunteer meetings (a West meeting held last week, with an action) ----------------
    # Coordinators run them; team leaders, the volunteers and admins of West see them.
    "peersupport:meeting_list": row(all=200),
    "peersupport:meeting_create": row(
        all=403, coordinator=200, other_coordinator=200, admin=200, form=True
    ),
    **{
        name: row(
            kwargs=lambda w: {"pk": w.meeting.pk},
            all=404,
            volunteer=200,
            coordinator=200,
            team_leader=200,
            admin=200,
            form=True,
            fuzz_as="coordinator",
        )
        for name in ["peersupport:meeting_detail"]
    },
    **{
        name: row(
            kwargs=lambda w: {"pk": w.meeting.pk},
            all=404,
            volunteer=403,
            coordinator=200,
            team_leader=403,
            admin=200,
            form=True,
        )
        for name in [
            "peersupport:meeting_edit",
            "peersupport:meeting_attendance",
            "peersupport:meeting_notes",
        ]
    },
    "peersupport:meeting_sign_up": row(
        method="post",
        kwargs=lambda w: {"pk": w.meeting.pk},
        all=404,
        volunteer=302,
        coordinator=403,
        team_leader=403,
        admin=403,
    ),
    "peersupport:meeting_withdraw": row(
        method="post",
        kwargs=lambda w: {"pk": w.meeting.pk},
        all=404,
        volunteer=302,
        coordinator=403,
        team_leader=403,
        admin=403,
    ),
    "peersupport:meeting_add_topic": row(
        method="post",
        kwargs=lambda w: {"pk": w.meeting.pk},
        data=lambda w: {"text": "The bus to the surgery"},
        all=404,
        volunteer=302,
        coordinator=302,
        team_leader=302,
        admin=302,
    ),
    "peersupport:meeting_add_action": row(
        method="post",
        kwargs=lambda w: {"pk": w.meeting.pk},
        all=404,
        volunteer=403,
        coordinator=200,
        team_leader=403,
        admin=200,
        notes="an empty action: the page again with its errors",
    ),
    "peersupport:action_done": row(
        method="post",
        kwargs=lambda w: {"pk": w.meeting.pk, "action_pk": w.action.pk},
        all=404,
        volunteer=403,
        coordinator=302,
        team_leader=403,
        admin=302,
        notes="its owner (the coordinator) or who runs the locality's meetings",
    ),
    # --- evidence: coordinators of their locality, locality leads, admins (the board) -------
    "evidence:dashboard": row(all=403, coordinator=200, other_coordinator=200, admin=200),
    "evidence:dashboard_csv": row(all=403, coordinator=200, other_coordinator=200, admin=200),
    "evidence:models": row(all=403, coordinator=200, other_coordinator=200, admin=200),
}

from .access_matrix_people import PEOPLE_ROWS  # noqa: E402 - it builds on row() above

MATRIX.update(PEOPLE_ROWS)

from .access_matrix_escalations import ESCALATION_ROWS  # noqa: E402 - builds on row() above

MATRIX.update(ESCALATION_ROWS)

from .access_matrix_mdt import MDT_ROWS  # noqa: E402 - builds on row() above

MATRIX.update(MDT_ROWS)
