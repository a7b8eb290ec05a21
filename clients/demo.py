"""Demo clients: eight in West Cornwall across two practices, two in Central, with needs,
consent records and volunteers. Part of ``manage.py seed_demo``; running it again changes
nothing. Written through the services, so the audit log, history and object permissions are
what the app itself would make."""

from __future__ import annotations

import datetime as dt

from livingwell.models import Practice, User
from volunteers.models import Volunteer

from .enums import ConsentAction, ConsentMethod, ConsentScope, NeedKind
from .models import Client
from .services import assignment_create, client_create, consent_record, need_add
from .validators import nhs_check_digit

PARTNERS, MDT, STORY = (
    ConsentScope.SHARE_WITH_PARTNERS,
    ConsentScope.MDT_CHAMPION,
    ConsentScope.ANONYMISED_STORY,
)

# (first, last, born, practice, address, postcode, phone, visit notes,
#  needs [(kind, text)], consents [scope...], withdrawn [scope...], volunteer username)
CLIENTS = [
    (
        "Elowen", "Trewin", dt.date(1936, 2, 11), "L82001",
        "3 Chapel Street, Penzance", "TR18 4AJ", "01736 111201",
        "Knock loudly: she is hard of hearing. Loves talking about the lifeboat.",
        [(NeedKind.NON_MEDICAL, "A lift to the surgery"),
         (NeedKind.MEDICAL, "Managing her eye drops")],
        [PARTNERS, MDT, STORY], [], "volunteer",
    ),
    (
        "Jowan", "Angove", dt.date(1941, 7, 30), "L82001",
        "Flat 2, Morrab Court, Penzance", "TR18 4DS", "01736 111202",
        "Key safe by the door; code from the coordinator.",
        [(NeedKind.NON_MEDICAL, "Someone to talk to; widowed last year"),
         (NeedKind.NON_MEDICAL, "Help with heating bills")],
        [PARTNERS, MDT], [], "volunteer",
    ),
    (
        "Morwenna", "Pender", dt.date(1933, 12, 2), "L82001",
        "Rose Cottage, Newlyn", "TR18 5HW", "01736 111203",
        "Best before lunch. Her cat is called Pasco.",
        [(NeedKind.NON_MEDICAL, "Rail by the back step")],
        [PARTNERS], [STORY], "volunteer",
    ),
    (
        "Peder", "Carne", dt.date(1939, 4, 19), "L82002",
        "12 Fore Street, Marazion", "TR17 0AD", "01736 111204",
        "Prefers afternoons. Keen on rugby.",
        [(NeedKind.NON_MEDICAL, "Shopping once a week")],
        [PARTNERS, MDT, STORY], [], "volunteer",
    ),
    (
        "Tamsin", "Roskilly", dt.date(1944, 9, 8), "L82002",
        "5 Gwavas Road, Newlyn", "TR18 5LY", "01736 111205",
        "",
        [(NeedKind.MEDICAL, "Memory worries her daughter")],
        [PARTNERS], [], "volunteer2",
    ),
    (
        "Hedra", "Polglase", dt.date(1930, 1, 25), "L82001",
        "Polglase Farm, St Buryan", "TR19 6BG", "01736 111206",
        "Farm track is rough after rain.",
        [(NeedKind.NON_MEDICAL, "Isolated: no bus"),
         (NeedKind.NON_MEDICAL, "Building access: steep steps")],
        [PARTNERS, STORY], [MDT], "volunteer2",
    ),
    (
        "Kitto", "Bolitho", dt.date(1947, 6, 14), "L82002",
        "8 The Terrace, St Ives", "TR26 2BN", "01736 111207",
        "",
        [(NeedKind.NON_MEDICAL, "Form filling for attendance allowance")],
        [], [], None,
    ),
    (
        "Demelza", "Hosking", dt.date(1938, 10, 3), "L82002",
        "22 Alma Place, Heamoor", "TR18 3BP", "01736 111208",
        "Ring first; she does not open the door to strangers.",
        [(NeedKind.MEDICAL, "Falls at night")],
        [PARTNERS, MDT], [], None,
    ),
    # Central Cornwall
    (
        "Arthek", "Nankivell", dt.date(1935, 3, 21), "L82010",
        "4 Lemon Street, Truro", "TR1 2LS", "01872 111209",
        "",
        [(NeedKind.NON_MEDICAL, "Company on walks")],
        [PARTNERS, MDT, STORY], [], "volunteer.central",
    ),
    (
        "Lowdy", "Jenkin", dt.date(1942, 11, 12), "L82011",
        "17 Fore Street, St Austell", "PL25 5PX", "01726 111210",
        "",
        [(NeedKind.NON_MEDICAL, "Transport to the day centre")],
        [PARTNERS], [], None,
    ),
]  # fmt: skip


def demo_nhs_number(n: int) -> str:
    """A valid NHS number for the demo (modulus 11), from the 999 range no one holds."""
    base = 999_000_000 + n * 7
    while True:
        first_nine = f"{base:09d}"
        check = nhs_check_digit(first_nine)
        if check is not None:
            return first_nine + str(check)
        base += 1


def seed(stdout) -> None:
    made = 0
    for n, row in enumerate(CLIENTS, start=1):
        (first, last, born, code, address, postcode, phone, notes, needs, given, withdrawn,
         volunteer_username) = row  # fmt: skip
        if Client.objects.filter(first_name=first, last_name=last).exists():
            continue
        practice = Practice.objects.filter(ods_code=code).select_related("locality").first()
        if practice is None:
            continue
        coordinator = (
            User.objects.filter(role="coordinator", locality=practice.locality)
            .order_by("pk")
            .first()
        )
        client = client_create(
            by=coordinator,
            first_name=first,
            last_name=last,
            date_of_birth=born,
            nhs_number=demo_nhs_number(n),
            address=address,
            postcode=postcode,
            phone=phone,
            visit_notes=notes,
            practice=practice,
        )
        made += 1
        for kind, text in needs:
            need_add(client=client, kind=kind, description=text, by=coordinator)
        for scope in [*given, *withdrawn]:
            consent_record(
                client=client,
                scope=scope,
                action=ConsentAction.GIVEN,
                method=ConsentMethod.WRITTEN,
                privacy_notice_version="2025-1",
                by=coordinator,
            )
        for scope in withdrawn:
            consent_record(
                client=client,
                scope=scope,
                action=ConsentAction.WITHDRAWN,
                method=ConsentMethod.SPOKEN,
                privacy_notice_version="2025-1",
                by=coordinator,
                notes="Changed her mind on a visit.",
            )
        volunteer = Volunteer.objects.filter(user__username=volunteer_username).first()
        if volunteer is not None:
            assignment_create(
                client=client,
                volunteer=volunteer,
                by=coordinator,
                started_on=dt.date(2025, 9, 1),
            )
    stdout.write(f"Clients: {made} new.")
