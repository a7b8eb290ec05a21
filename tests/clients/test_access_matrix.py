"""Every client page, for anonymous, each role, and the same role in another locality.

The West client is visited by the ``volunteer`` fixture. 403: a role that may never use the
page. 404: the client is outside the user's scope. Anonymous users are sent to sign in.
"""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "volunteer",
    "coordinator",
    "team_leader",
    "mdt_chair",
    "practitioner",
    "admin",
    "other_volunteer",
    "other_coordinator",
    "other_team_leader",
    "other_mdt_chair",
    "other_practitioner",
]

# Expected status per role, in the order of ROLES.
#                 anon  vol  coord  TL  chair prac admin | o_vol o_coord o_TL o_chair o_prac
LIST = [302, 403, 200, 200, 403, 403, 200, 403, 200, 200, 403, 403]
MINE = [302, 200, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403]
DETAIL = [302, 200, 200, 200, 403, 403, 200, 404, 404, 404, 403, 403]
CREATE = [302, 403, 200, 403, 403, 403, 200, 403, 200, 403, 403, 403]
CHANGE = [302, 403, 200, 403, 403, 403, 200, 403, 404, 403, 403, 403]
NEED_MET = [302, 403, 302, 403, 403, 403, 302, 403, 404, 403, 403, 403]

PAGES = {
    # name: (url args, method, expected, text on the page when 200)
    "clients:list": (None, "get", LIST, "Trewin, Elowen"),
    "clients:mine": (None, "get", MINE, "Elowen Trewin"),
    "clients:detail": ("client", "get", DETAIL, "Elowen Trewin"),
    "clients:new": (None, "get", CREATE, "Add a client"),
    "clients:edit": ("client", "get", CHANGE, "Change Elowen Trewin’s details"),
    "clients:need_new": ("client", "get", CHANGE, "Add a need"),
    "clients:need_met": ("need", "post", NEED_MET, None),
    "clients:consent": ("client", "get", CHANGE, "Record consent given or withdrawn"),
    "clients:assign": ("client", "get", CHANGE, "Assign a volunteer"),
    "clients:assignment_end": ("assignment", "get", CHANGE, "End Vera"),
    "clients:subject_access": ("client", "get", CHANGE, "Everything held about Elowen Trewin"),
    "clients:subject_access_json": ("client", "get", CHANGE, '"subject": "Elowen Trewin"'),
}

CASES = [
    pytest.param(name, role, statuses[i], id=f"{name}-{role}")
    for name, (_, _, statuses, _) in PAGES.items()
    for i, role in enumerate(ROLES)
]


@pytest.fixture
def urls(west_client, assignment):
    need = west_client.needs.get()
    args = {
        None: (),
        "client": (west_client.pk,),
        "need": (west_client.pk, need.pk),
        "assignment": (west_client.pk, assignment.pk),
    }
    return {name: reverse(name, args=args[spec[0]]) for name, spec in PAGES.items()}


@pytest.mark.parametrize(("name", "role", "expected"), CASES)
def test_client_pages_access(client, client_for, users, urls, name, role, expected, volunteer):
    volunteer.first_name = "Vera"
    volunteer.save(update_fields=["first_name"])
    if role != "anonymous":
        client_for(users[role])
    _, method, _, text = PAGES[name]
    url = urls[name]
    response = getattr(client, method)(url, {"met": "1"} if method == "post" else None)
    assert response.status_code == expected
    if role == "anonymous":
        assert response.url == f"{reverse('login')}?next={url}"
    elif expected == 200 and role.startswith("other_"):
        # Their own pages of the same kind, without a word of West's client.
        body = response.content.decode()
        assert "Elowen" not in body and "Trewin" not in body
    elif expected == 200:
        assert text in response.content.decode()
    elif expected == 302:
        assert response.url == urls["clients:detail"]


def test_need_met_refuses_get(client_for, coordinator, urls):
    assert client_for(coordinator).get(urls["clients:need_met"]).status_code == 405
