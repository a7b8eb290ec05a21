"""Every volunteer page, for anonymous, each role, and the same role in another locality.

The page's subject is the West ``volunteer`` fixture's profile.
"""

import pytest
from django.urls import reverse

from tests.volunteers.helpers import make_ready

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
#          anon  vol  coord  TL  chair prac admin | o_vol o_coord o_TL o_chair o_prac
LIST = [302, 403, 200, 200, 403, 403, 200, 403, 200, 200, 403, 403]
DETAIL = [302, 200, 200, 200, 403, 403, 200, 404, 404, 404, 403, 403]
ME = [302, 302, 403, 403, 403, 403, 403, 302, 403, 403, 403, 403]
ME_EDIT = [302, 200, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403]
CHANGE = [302, 403, 200, 403, 403, 403, 200, 403, 404, 403, 403, 403]

PAGES = {
    "volunteers:list": (False, LIST, "Vera Penrose"),
    "volunteers:detail": (True, DETAIL, "Vera Penrose"),
    "volunteers:me": (False, ME, None),
    "volunteers:me_edit": (False, ME_EDIT, "Change your details"),
    "volunteers:edit": (True, CHANGE, "Change Vera Penrose’s details"),
    "volunteers:training_add": (True, CHANGE, "Record training"),
    "volunteers:signature_add": (True, CHANGE, "Record a confidentiality agreement signature"),
}
CASES = [
    pytest.param(name, role, statuses[i], id=f"{name}-{role}")
    for name, (_, statuses, _) in PAGES.items()
    for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("name", "role", "expected"), CASES)
def test_volunteer_pages_access(client, client_for, users, volunteer, name, role, expected):
    volunteer.first_name, volunteer.last_name = "Vera", "Penrose"
    volunteer.save(update_fields=["first_name", "last_name"])
    make_ready(volunteer.volunteer)
    needs_pk, _, text = PAGES[name]
    url = reverse(name, args=[volunteer.volunteer.pk] if needs_pk else [])
    if role != "anonymous":
        client_for(users[role])
    response = client.get(url)
    assert response.status_code == expected
    body = response.content.decode()
    if role == "anonymous":
        assert response.url == f"{reverse('login')}?next={url}"
    elif expected == 302:
        # "My workload" leads each volunteer to their own page.
        assert response.url == reverse("volunteers:detail", args=[users[role].volunteer.pk])
    elif expected == 200 and role.startswith("other_"):
        assert "Vera" not in body and "Penrose" not in body
    elif expected == 200:
        assert text in body
