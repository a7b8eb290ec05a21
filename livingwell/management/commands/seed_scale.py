"""Seed a region-sized world for the benchmark; running it again with the same sizes adds nothing.

Everything it makes belongs to the "scale" world: localities ``scale-NN``, practices ``SCNNNN``,
users ``scale.*``, and observations whose submission key lies in one reserved UUID range. Each
parent row is written in the same transaction as its children (a locality with its services,
rules, staff and rota; a batch of clients with their needs, assignments, permissions and consent;
a batch of observations with their escalations, events, referrals and outcomes), so counting the
parents says what is there, an interrupted run resumes where it stopped, and a run with the same
sizes finds nothing to add.

On PostgreSQL the rows go in with COPY (ids drawn from the tables' own sequences); elsewhere with
``bulk_create``. Memory stays flat: one batch is held at a time.

A management command sits on top of the apps, so it may import every app's models.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import json
import random
import resource
import time
import uuid
from array import array
from collections import Counter
from datetime import date, timedelta

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.enums import ClientStatus, ConsentAction, ConsentMethod, ConsentScope, NeedKind
from clients.models import (
    Assignment,
    Client,
    ClientUserObjectPermission,
    ConsentRecord,
    Need,
)
from escalations.enums import (
    MEDICAL_KINDS,
    URGENCY_RANK,
    EscalationState,
    ObservationKind,
    ReferralChannel,
    RoutingStatus,
    StoryState,
    TriageRole,
    Urgency,
)
from escalations.models import (
    Escalation,
    EscalationEvent,
    Observation,
    OnCallShift,
    Outcome,
    QuestionMessage,
    Referral,
    RoutingRule,
    Service,
    Story,
    UrgencyPolicy,
)
from livingwell.enums import CoproductionModel, Role
from livingwell.models import Locality, LocalityModel, Practice, User
from mdt.enums import MeetingState, MemberRole
from mdt.models import AgendaItem, Meeting, MeetingMember, PlanAction, StandingMember
from peersupport.enums import AttendeeRole, MeetingKind
from peersupport.models import (
    FollowUpAction,
    MeetingAttendance,
    MeetingInvitation,
    MeetingSignUp,
    MeetingTopic,
    VolunteerMeeting,
)
from volunteers.enums import MdtWish, TrainingModule, VolunteerStatus
from volunteers.models import (
    AgreementSignature,
    ConfidentialityAgreement,
    TrainingRecord,
    Volunteer,
)

# The benchmark signs in as these; every other scale user has an unusable password.
SCALE_PASSWORD = "scale-bench-password"  # noqa: S105 - a benchmark database's, documented
REPRESENTATIVES = {
    Role.VOLUNTEER: "scale.volunteer",
    Role.COORDINATOR: "scale.coordinator",
    Role.TEAM_LEADER: "scale.teamleader",
    Role.MDT_CHAIR: "scale.chair",
    Role.PRACTITIONER: "scale.practitioner",
    Role.ADMIN: "scale.admin",
}
LOCALITY_SLUG = "scale-{:02d}"
PRACTICE_CODE = "SC{:04d}"
AGREEMENT_VERSION = "scale-1"
# Seeded observations carry submission keys in this range, so they can be counted apart from
# the ones the benchmark itself posts.
OBSERVATION_KEY_PREFIX = 0x5CA1E5EED5EED000


def otp_key(username: str) -> str:
    """The hex key of a representative's authenticator (a benchmark database's, like the
    password): the benchmark computes the codes from it."""
    return hashlib.sha256(f"scale-second-factor-{username}".encode()).hexdigest()[:40]


def observation_key(index: int) -> uuid.UUID:
    return uuid.UUID(int=(OBSERVATION_KEY_PREFIX << 64) | index)


def seeded_observations():
    return Observation.objects.filter(
        submission_key__gte=observation_key(0),
        submission_key__lte=uuid.UUID(int=(OBSERVATION_KEY_PREFIX << 64) | (2**64 - 1)),
    )


DUE_WITHIN = {
    Urgency.URGENT: timedelta(hours=4),
    Urgency.WORRIED: timedelta(days=2),
    Urgency.KEEP_AN_EYE: timedelta(days=7),
}

# What a volunteer notices, by kind; the texts a coordinator and a volunteer read.
NOTICED = {
    ObservationKind.HEALTH_CHANGE: [
        "She seemed more breathless than usual walking to the door.",
        "His ankles were very swollen today and he said his shoes no longer fit.",
    ],
    ObservationKind.FALL: [
        "She told me she fell in the kitchen on Sunday and could not get up for an hour.",
        "There was a bruise on his arm; he said he slipped on the stairs.",
    ],
    ObservationKind.MEDICATION: [
        "The dosette box still had Monday's and Tuesday's tablets in it.",
        "He was not sure which tablets the new prescription replaced.",
    ],
    ObservationKind.MEMORY: [
        "She asked me three times what day it was and had forgotten our last visit.",
        "The cooker was left on when I arrived, which is new.",
    ],
    ObservationKind.MOOD: [
        "He said he does not see the point of getting up any more.",
        "She was tearful all visit and has stopped going to church.",
    ],
    ObservationKind.EATING: [
        "The fridge was nearly empty and the milk was out of date.",
        "She has lost weight; her rings are loose.",
    ],
    ObservationKind.CARER_STRAIN: [
        "His wife, who cares for him, said she has not slept properly for weeks.",
        "Her daughter is struggling to keep up the visits alongside work.",
    ],
    ObservationKind.SAFEGUARDING: [
        "A new 'friend' has been helping with her bank cards and she seemed worried about it.",
        "He mentioned a neighbour who takes his pension money for him.",
    ],
    ObservationKind.TRANSPORT: [
        "She has missed two appointments because the bus no longer runs.",
        "He cannot get to the surgery now that he has stopped driving.",
    ],
    ObservationKind.LONELINESS: [
        "She has not spoken to anyone else since my last visit.",
        "He would like to meet other people but does not know where to start.",
    ],
    ObservationKind.HOME_ACCESS: [
        "The front step is broken and she cannot get out safely.",
        "He cannot get upstairs to the bathroom any more.",
    ],
    ObservationKind.MONEY: [
        "She is worried about heating bills and has been sitting in the cold.",
        "He has letters about a benefit review he does not understand.",
    ],
    ObservationKind.OTHER: [
        "She would like help sorting out her garden, which she can no longer manage.",
    ],
}
CLIENT_WANTS = [
    "To stay at home and keep her independence.",
    "Someone to ring her daughter.",
    "A lift to the surgery.",
    "Not to make a fuss.",
    "",
]
KIND_WEIGHTS = {
    ObservationKind.HEALTH_CHANGE: 12,
    ObservationKind.FALL: 10,
    ObservationKind.MEDICATION: 7,
    ObservationKind.MEMORY: 8,
    ObservationKind.MOOD: 8,
    ObservationKind.EATING: 5,
    ObservationKind.CARER_STRAIN: 5,
    ObservationKind.SAFEGUARDING: 2,
    ObservationKind.TRANSPORT: 12,
    ObservationKind.LONELINESS: 14,
    ObservationKind.HOME_ACCESS: 6,
    ObservationKind.MONEY: 7,
    ObservationKind.OTHER: 4,
}
URGENCY_WEIGHTS = {Urgency.KEEP_AN_EYE: 50, Urgency.WORRIED: 35, Urgency.URGENT: 15}
# The benchmark compares the same pages at 10,000 and at 1,000,000 observations. Spread evenly
# over five years, a small world's last weeks hold a handful of observations: its triage queue
# and "My observations" would show a few rows where the large world's show full pages, and the
# comparison would measure the length of the page, not the size of the data. So the last tenth
# (at most RECENT_PER_LOCALITY per locality) falls within the last RECENT_WINDOW where even
# spreading would put it further back (never at 1,000,000, whose last thousand span two days),
# and where a volunteer would have fewer than REP_OBSERVATIONS observations, that many of them
# are about the representative volunteer's clients.
RECENT_PER_LOCALITY = 100
RECENT_WINDOW = timedelta(days=7)
REP_OBSERVATIONS = 30
# The benchmark's chair's coming MDT meeting holds at least CHAIR_AGENDA cases, at any size: a
# small world puts fewer forward, and the agenda page would be shorter at 10,000 observations
# than at 1,000,000 (the comparison measuring the agenda's length, not the data's size).
CHAIR_AGENDA = 6
# Success stories (seed s5): written for about one in STORY_EVERY of the cases that closed well
# for a client consenting to an anonymised story, and at least STORIES_PER_LOCALITY in each
# locality (the stories page shows 20), so the page is as full in a small world as in a large
# one. Anonymised: nothing in them says who the client is.
STORY_EVERY = 50
STORIES_PER_LOCALITY = 30
STORY_PUBLISHED_SHARE = 0.85
STORIES = [
    (
        "Back at the lunch club",
        "A volunteer noticed that the lady she visits had seen nobody since a friend moved "
        "away. We put her in touch with a befriending service and she now goes to a lunch club "
        "every week.",
    ),
    (
        "A lift to the surgery",
        "The bus to the village surgery stopped running and appointments were being missed. "
        "The community transport scheme now takes him, and he has not missed one since.",
    ),
    (
        "Rails by the back door",
        "After a fall on the back step, the volunteer told us. The home adaptations team fitted "
        "two rails within a fortnight.",
    ),
    (
        "Help with the forms",
        "Letters about benefits were piling up unopened. A welfare adviser visited, and the "
        "household now receives the allowance it was entitled to.",
    ),
    (
        "Tablets sorted",
        "The volunteer noticed boxes of tablets that had not been opened. The practice "
        "pharmacist reviewed the medicines and set up a weekly pack.",
    ),
]

# name, medical, kinds handled, what they can help with
SERVICE_CATALOGUE = [
    (
        "Practice duty doctor",
        True,
        [ObservationKind.HEALTH_CHANGE, ObservationKind.MEDICATION],
        "Same-day advice on a change in someone's health or their medicines.",
    ),
    (
        "Community nursing team",
        True,
        [ObservationKind.HEALTH_CHANGE, ObservationKind.EATING],
        "Home visits for wounds, swelling, breathlessness and nutrition.",
    ),
    (
        "Falls prevention service",
        True,
        [ObservationKind.FALL],
        "Assessment after a fall, strength and balance classes.",
    ),
    (
        "Memory and dementia support",
        True,
        [ObservationKind.MEMORY, ObservationKind.MOOD],
        "Memory assessment, dementia advisers, support for low mood.",
    ),
    (
        "Community transport",
        False,
        [ObservationKind.TRANSPORT],
        "Door-to-door lifts to appointments and the shops.",
    ),
    (
        "Carers support service",
        False,
        [ObservationKind.CARER_STRAIN],
        "Breaks, advice and a listening ear for family carers.",
    ),
    (
        "Adult social care safeguarding",
        False,
        [ObservationKind.SAFEGUARDING],
        "Concerns about abuse, neglect or financial exploitation.",
    ),
    (
        "Home improvement agency",
        False,
        [ObservationKind.HOME_ACCESS],
        "Rails, ramps, small repairs and adaptations.",
    ),
    (
        "Information and advice",
        False,
        [ObservationKind.MONEY, ObservationKind.OTHER],
        "Benefits checks, bills, letters and forms.",
    ),
    (
        "Befriending and social groups",
        False,
        [ObservationKind.LONELINESS],
        "Lunch clubs, telephone friends and local groups.",
    ),
]

FIRST_NAMES = """
Ada Alan Alice Ann Arthur Barbara Beryl Betty Bill Brenda Carol Charles Colin Dennis Derek Doreen
Doris Dorothy Edith Edna Eileen Elsie Eric Ernest Ethel Frank Fred Gladys Gordon Grace Harold Hazel
Helen Irene Iris Jack Jean Jim Joan John Joyce Ken Kathleen Lilian Mabel Margaret Marjorie Mary
Maureen Muriel Nancy Norman Olive Pamela Pat Peggy Peter Phyllis Ray Rita Ron Rose Ruby Sheila
Shirley Stanley Sylvia Ted Vera Violet Walter Wendy Winifred
""".split()  # noqa: SIM905 - a list of names reads better as text
LAST_NAMES = """
Andrewartha Angove Bennetts Berryman Blewett Bolitho Bray Carne Chenoweth Chegwidden Clemo Curnow
Dunstan Eddy Glasson Hawke Hocking Hosking Jago James Jenkin Keast Kitto Knuckey Laity Lanyon Lobb
Mably Matthews Moyle Nancarrow Nankervis Oates Pascoe Pengelly Penhaligon Penrose Polglase Prowse
Rickard Roberts Rowe Rodda Sampson Spargo Stephens Thomas Tonkin Treloar Tregear Trelease Tremayne
Trevail Trevithick Truscott Uren Vosper Warne Williams
""".split()  # noqa: SIM905
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
MEETING_TOPICS = [
    "What do we do when a client will not open the door?",
    "Who can help with winter fuel payments?",
    "Feeling low after a client went into a care home.",
    "Parking at the surgery for lifts.",
]
VISIT_NOTES = [
    "Knock loudly and wait: she takes a while to reach the door.",
    "Key safe by the back door; the code is with the coordinator.",
    "Loves talking about the gardens at Trelissick.",
    "Best after 11am; mornings are slow.",
    "",
]


def weighted(table):
    keys = list(table)
    return keys, list(table.values())


class TableWriter:
    """Buffers rows per model and writes them with COPY (PostgreSQL) or bulk_create.

    Rows are dicts keyed by attribute name (``locality_id``); a field left out takes its
    default, and a required field with no default stops the seed with its name, so a new
    column added by an app is noticed here rather than filled with nonsense.
    """

    def __init__(self):
        self.use_copy = connection.vendor == "postgresql"
        self.buffers: dict[type[models.Model], list[dict]] = {}
        self.written: Counter = Counter()
        self._next_id: dict[type[models.Model], int] = {}
        self._pool: dict[type[models.Model], list[int]] = {}
        self._fields: dict[type[models.Model], list] = {}
        self.touched: set[str] = set()

    def ids(self, model, n: int) -> list[int]:
        """Reserve ``n`` primary keys for ``model`` (drawn from its sequence in blocks)."""
        pool = self._pool.setdefault(model, [])
        if len(pool) < n:
            pool.extend(self._reserve(model, max(n - len(pool), 4096)))
        taken = pool[:n]
        del pool[:n]
        return taken

    def _reserve(self, model, n: int) -> list[int]:
        if self.use_copy:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [f'"{model._meta.db_table}"', model._meta.pk.column, n],
                )
                return [row[0] for row in cursor.fetchall()]
        start = self._next_id.get(model)
        if start is None:
            start = (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1
        self._next_id[model] = start + n
        return list(range(start, start + n))

    def add(self, model, /, **row) -> None:
        self.buffers.setdefault(model, []).append(row)

    def fields(self, model):
        if model not in self._fields:
            spec = []
            for f in model._meta.concrete_fields:
                if f.primary_key:
                    fill = None
                elif f.has_default():
                    fill = f.get_default
                elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                    fill = timezone.now
                elif f.null:
                    fill = _none
                elif f.blank and isinstance(f, models.CharField | models.TextField):
                    fill = _blank
                else:
                    fill = _missing(model, f)
                spec.append((f.attname, f.column, _converter(f), fill))
            self._fields[model] = spec
        return self._fields[model]

    def flush(self) -> None:
        for model, rows in self.buffers.items():
            if not rows:
                continue
            spec = self.fields(model)
            shape = None
            for row in rows:
                if shape is None or len(row) != shape[0]:
                    missing = [(a, fill) for a, _c, _v, fill in spec if a not in row]
                    if any(fill is None for _a, fill in missing):
                        raise CommandError(f"{model.__name__} row without a primary key")
                    shape = (len(row), missing)
                for attname, fill in shape[1]:
                    row[attname] = fill()
            if self.use_copy:
                self._copy(model, spec, rows)
            else:
                model.objects.bulk_create([model(**row) for row in rows], batch_size=500)
            self.written[model._meta.label] += len(rows)
            self.touched.add(model._meta.db_table)
        self.buffers = {}

    def _copy(self, model, spec, rows) -> None:
        buf = io.StringIO()
        for row in rows:
            buf.write("\t".join(convert(row[a]) for a, _c, convert, _f in spec))
            buf.write("\n")
        buf.seek(0)
        columns = ", ".join(f'"{c}"' for _a, c, _j, _f in spec)
        with connection.cursor() as cursor:
            cursor.copy_expert(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN', buf)


def _none():
    return None


def _blank():
    return ""


def _missing(model, field):
    def fail():
        raise CommandError(
            f"seed_scale does not fill {model.__name__}.{field.name}, which is required: "
            "add it to the seed."
        )

    return fail


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _converter(field):
    """A function from a Python value to COPY's text format, chosen once per column."""
    null = r"\N"
    if isinstance(field, models.JSONField):
        return lambda v: null if v is None else json.dumps(v).translate(_ESCAPES)
    if isinstance(field, models.BooleanField):
        return lambda v: null if v is None else ("t" if v else "f")
    if isinstance(field, models.CharField | models.TextField):
        return lambda v: null if v is None else str(v).translate(_ESCAPES)
    if isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey):
        return lambda v: null if v is None else str(int(v))
    if isinstance(field, models.DateTimeField | models.DateField):
        return lambda v: null if v is None else v.isoformat()
    if isinstance(field, models.DurationField):
        return lambda v: null if v is None else f"{v.total_seconds()} seconds"
    return lambda v: null if v is None else str(v).translate(_ESCAPES)


def nhs_number(index: int) -> str:
    """A valid (modulus 11) NHS number in the 999 range, which is never issued to anyone."""
    base = 999_000_000 + 2 * index
    for candidate in (base, base + 1):
        digits = [int(d) for d in str(candidate)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return f"{candidate}{check}"
    raise AssertionError("two consecutive bases cannot both give check digit 10")


class Command(BaseCommand):
    help = (
        "Seed a region-sized world (localities, practices, volunteers, clients and years of "
        "observations with everything that follows them) for the benchmark. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--localities", type=int, default=10)
        parser.add_argument("--practices", type=int, default=80)
        parser.add_argument("--volunteers", type=int, default=2_000)
        parser.add_argument("--clients", type=int, default=50_000)
        parser.add_argument("--observations", type=int, default=1_000_000)
        parser.add_argument("--years", type=int, default=5, help="Observations spread over.")
        parser.add_argument("--batch-size", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=2016, help="Random seed.")
        parser.add_argument(
            "--password",
            default=SCALE_PASSWORD,
            help="Password of the one user per role the benchmark signs in as.",
        )

    def handle(self, *args, **opts):
        for name in ("localities", "practices", "volunteers", "clients"):
            if opts[name] < 1:
                raise CommandError(f"--{name} must be at least 1")
        if opts["practices"] < opts["localities"]:
            raise CommandError("--practices must be at least --localities")
        if opts["volunteers"] < opts["localities"]:
            raise CommandError("--volunteers must be at least --localities")
        if opts["observations"] < 0 or opts["years"] < 1 or opts["batch_size"] < 1:
            raise CommandError("--observations, --years and --batch-size must be positive")
        started = time.monotonic()
        seeder = Seeder(opts, self.stdout)
        seeder.run()
        elapsed = time.monotonic() - started
        total = sum(seeder.writer.written.values())
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if total == 0:
            self.stdout.write(
                "seed_scale: nothing to add, the world of these sizes is already there "
                f"({elapsed:.1f} s, peak memory {peak_mb:.0f} MB)."
            )
            return
        for label, n in sorted(seeder.writer.written.items()):
            self.stdout.write(f"  {label:40} {n:>10,}")
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_scale: {total:,} rows in {elapsed:.1f} s ({total / elapsed:,.0f} rows/s); "
                f"peak memory {peak_mb:.0f} MB."
            )
        )


class Seeder:
    def __init__(self, opts, stdout):
        self.o = opts
        self.out = stdout
        self.writer = TableWriter()
        self.now = timezone.now().replace(microsecond=0)
        self.span = timedelta(days=365 * opts["years"])
        self.start = self.now - self.span
        self.rep_password = make_password(opts["password"])
        self.groups = {role: Group.objects.get(name=str(role)).pk for role in Role}
        self.view_client = Permission.objects.get(
            content_type__app_label="clients", codename="view_client"
        ).pk
        self.user_group = User.groups.through
        self.user_practice = User.practices.through

    def log(self, msg: str) -> None:
        self.out.write(msg)

    def run(self) -> None:
        self.seed_global()
        self.seed_localities()
        self.seed_practices()
        self.seed_volunteers()
        self.seed_clients()
        self.seed_observations()
        self.seed_stories()
        self.seed_meetings()
        self.seed_mdts()
        self.seed_second_factors()
        if self.writer.touched and connection.vendor == "postgresql":
            t = time.monotonic()
            # VACUUM sets the visibility map, so that the lists' index-only scans stay index-only;
            # it cannot run inside a transaction (a test's), where ANALYZE alone does.
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            with connection.cursor() as cursor:
                for table in sorted(self.writer.touched):
                    cursor.execute(f'{verb} "{table}"')
            self.log(f"  vacuum analyse: {time.monotonic() - t:.1f} s")

    def seed_stories(self) -> None:
        scale = Escalation.objects.filter(locality_id__in=self.localities)
        if Story.objects.filter(locality_id__in=self.localities).exists():
            self.log("  stories: there, none added")
            return
        consent_now = Subquery(
            ConsentRecord.objects.filter(
                client=OuterRef("observation__client_id"), scope=ConsentScope.ANONYMISED_STORY
            )
            .order_by("-recorded_at", "-id")
            .values("action")[:1]
        )
        cases: dict[int, list[tuple]] = {loc: [] for loc in self.localities}
        rows = (
            scale.filter(state=EscalationState.CLOSED, outcome__went_well=True)
            .annotate(consent=consent_now)
            .filter(consent=ConsentAction.GIVEN)
            .order_by("locality_id", "closed_at", "id")
            .values_list("locality_id", "id", "owner_id", "closed_at")
        )
        for loc, *case in rows.iterator(chunk_size=10_000):
            cases[loc].append(case)
        rng = random.Random(self.o["seed"] * 31)
        w = self.writer
        added = 0
        with transaction.atomic():
            for loc, found in cases.items():
                n = min(len(found), max(STORIES_PER_LOCALITY, len(found) // STORY_EVERY))
                # Evenly over the period, the newest always among them.
                chosen = [found[len(found) - 1 - (i * len(found)) // n] for i in range(n)]
                for eid, owner, closed in chosen:
                    title, body = rng.choice(STORIES)
                    written = closed + timedelta(days=rng.uniform(1, 10))
                    published = rng.random() < STORY_PUBLISHED_SHARE and written <= self.now
                    (sid,) = w.ids(Story, 1)
                    w.add(
                        Story,
                        id=sid,
                        escalation_id=eid,
                        locality_id=loc,
                        title=title,
                        body=body,
                        state=StoryState.PUBLISHED if published else StoryState.DRAFT,
                        written_by_id=owner,
                        created_at=min(written, self.now),
                        updated_at=min(written, self.now),
                        published_at=written if published else None,
                        published_by_id=owner if published else None,
                        unpublished_at=None,
                        unpublished_reason="",
                    )
                    added += 1
            w.flush()
        self.log(f"  stories: {added:,} added")

    def seed_meetings(self) -> None:
        """Peer support (seed s3.1, s3.2): a locality running the formal model meets monthly,
        one running coffee mornings every fortnight, over the whole period and two months
        ahead; volunteers sign up, raise topics, come; medical staff are sometimes invited."""
        have = set(
            VolunteerMeeting.objects.filter(locality_id__in=self.localities)
            .values_list("locality_id", flat=True)
            .distinct()
        )
        practitioners = {loc: [] for loc in self.localities}
        for uid, loc in User.objects.filter(
            locality_id__in=self.localities, role=Role.PRACTITIONER, username__startswith="scale."
        ).values_list("pk", "locality_id"):
            practitioners[loc].append(uid)
        runs = {loc: set() for loc in self.localities}
        for loc, model in LocalityModel.objects.filter(
            locality_id__in=self.localities, ended_on__isnull=True
        ).values_list("locality_id", "model"):
            runs[loc].add(model)
        for i, loc in enumerate(self.localities):
            if loc in have:
                continue
            with transaction.atomic():
                self.add_meetings(i, loc, runs[loc], practitioners[loc])
                self.writer.flush()

    def add_meetings(self, i: int, loc: int, runs: set, practitioners: list[int]) -> None:
        rng = random.Random(self.o["seed"] * 19 + i)
        vols = self.vols_by_locality[loc]
        coordinators = self.coordinators[loc]
        end = self.now + timedelta(days=60)
        plans = []
        if CoproductionModel.FORMAL_MEETING in runs:
            plans.append((MeetingKind.FORMAL, timedelta(days=28), "Methodist church hall", 18))
        if CoproductionModel.COFFEE_MORNING in runs:
            plans.append((MeetingKind.COFFEE_MORNING, timedelta(days=14), "The Coffee Pot", 10))
        for kind, every, place, hour in plans:
            at = self.start.replace(hour=hour, minute=0, second=0) + timedelta(
                days=rng.randrange(7)
            )
            while at < end:
                self.add_meeting(rng, loc, kind, at, place, vols, coordinators, practitioners)
                at += every

    def add_meeting(self, rng, loc, kind, at, place, vols, coordinators, practitioners) -> None:
        w = self.writer
        (mid,) = w.ids(VolunteerMeeting, 1)
        held = at < self.now
        facilitator = rng.choice(coordinators)
        w.add(
            VolunteerMeeting,
            id=mid,
            locality_id=loc,
            kind=kind,
            title="",
            starts_at=at,
            ends_at=at + timedelta(hours=2 if kind == MeetingKind.FORMAL else 1, minutes=30),
            place=place,
            facilitator_id=facilitator,
            notes="Talked about winter checks and who to call out of hours." if held else "",
            created_by_id=facilitator,
            created_at=at - timedelta(days=21),
        )
        coming = rng.sample(vols, min(len(vols), rng.randrange(4, 16)))
        for v in coming:
            (sid,) = w.ids(MeetingSignUp, 1)
            w.add(
                MeetingSignUp,
                id=sid,
                meeting_id=mid,
                volunteer_id=self.vol_ids[v],
                created_at=at - timedelta(days=rng.randrange(1, 14)),
            )
        for v in coming[: rng.randrange(0, 3)]:
            (tid,) = w.ids(MeetingTopic, 1)
            w.add(
                MeetingTopic,
                id=tid,
                meeting_id=mid,
                raised_by_id=self.vol_users[v],
                text=rng.choice(MEETING_TOPICS),
                created_at=at - timedelta(days=2),
            )
        guest = None
        if practitioners and rng.random() < 0.2:
            guest = rng.choice(practitioners)
            (iid,) = w.ids(MeetingInvitation, 1)
            w.add(
                MeetingInvitation,
                id=iid,
                meeting_id=mid,
                user_id=guest,
                invited_by_id=facilitator,
                created_at=at - timedelta(days=20),
            )
        if not held:
            return
        came = [(self.vol_users[v], AttendeeRole.VOLUNTEER) for v in coming if rng.random() < 0.85]
        came.append((facilitator, AttendeeRole.STAFF))
        if guest is not None and rng.random() < 0.7:
            came.append((guest, AttendeeRole.MEDICAL))
        for user_id, role in came:
            (aid,) = w.ids(MeetingAttendance, 1)
            w.add(
                MeetingAttendance,
                id=aid,
                meeting_id=mid,
                user_id=user_id,
                name="",
                role=role,
                recorded_by_id=facilitator,
                recorded_at=at + timedelta(hours=3),
            )
        if rng.random() < 0.6:
            due = (at + timedelta(days=14)).date()
            (fid,) = w.ids(FollowUpAction, 1)
            w.add(
                FollowUpAction,
                id=fid,
                meeting_id=mid,
                description="Send round the out-of-hours numbers.",
                owner_id=facilitator,
                due_on=due,
                done_at=at + timedelta(days=rng.randrange(1, 20)) if rng.random() < 0.9 else None,
                created_by_id=facilitator,
                created_at=at + timedelta(hours=3),
            )

    # --- MDTs ---------------------------------------------------------------------------
    def seed_mdts(self) -> None:
        """MDT meetings (seed s4.2): each practice meets about monthly over the whole period
        and two months ahead (held, then published for the next month, then drafts). A case
        put forward goes on the first meeting after it; one still open also on the next
        coming meeting. Its volunteer attends where all four conditions held (the practice
        allows it, they wish to, they signed, the client consents to MDT now). A practice's
        meetings, members and items are written in one transaction: a practice with meetings
        is done, and an interrupted run resumes with the next one."""
        have = set(
            Meeting.objects.filter(practice_id__in=self.practices)
            .values_list("practice_id", flat=True)
            .distinct()
        )
        todo = [p for p, pid in enumerate(self.practices) if pid not in have]
        if not todo:
            return
        wanted = {self.practices[p] for p in todo}
        # Every case put forward, as compact tuples: about 1.5% of the observations.
        cases: dict[int, list[tuple]] = {pid: [] for pid in wanted}
        rows = (
            EscalationEvent.objects.filter(
                action="put_to_mdt",
                escalation__observation__client__practice_id__in=wanted,
            )
            .order_by("at", "escalation_id")
            .values_list(
                "escalation__observation__client__practice_id",
                "escalation_id",
                "at",
                "escalation__closed_at",
                "escalation__observation__client_id",
                "escalation__observation__volunteer_id",
            )
        )
        for pid, *case in rows.iterator(chunk_size=10_000):
            cases[pid].append(tuple(case))
        wishes = dict(
            Volunteer.objects.filter(pk__in=list(self.vol_ids)).values_list("pk", "mdt_wish")
        )
        staff = {pid: [] for pid in wanted}
        for uid, pid, role in User.objects.filter(
            practices__in=wanted, username__startswith="scale."
        ).values_list("pk", "practices", "role"):
            staff[pid].append((uid, role))
        allows = dict(
            Practice.objects.filter(pk__in=wanted).values_list("pk", "volunteers_may_attend_mdt")
        )
        made = 0
        for p in todo:
            pid = self.practices[p]
            with transaction.atomic():
                made += self.add_mdts(p, pid, cases[pid], staff[pid], allows[pid], wishes)
                self.writer.flush()
        self.log(f"  MDT meetings: {len(todo)} practices, {made:,} agenda items")

    def add_mdts(self, p, pid, cases, staff, allows, wishes) -> int:
        rng = random.Random(self.o["seed"] * 23 + p)
        w = self.writer
        chair = next(uid for uid, role in staff if role == Role.MDT_CHAIR)
        # The practice's GPs (users), then the members named only: (user, name, role).
        roster = [(uid, "", MemberRole.GP) for uid, role in staff if role == Role.PRACTITIONER]
        roster += [
            (None, "District nurse", MemberRole.DISTRICT_NURSE),
            (None, "Community matron", MemberRole.COMMUNITY_MATRON),
            (None, "Social worker", MemberRole.SOCIAL_WORKER),
        ]
        for (uid, name, role), sid in zip(roster, w.ids(StandingMember, len(roster)), strict=True):
            w.add(StandingMember, id=sid, practice_id=pid, user_id=uid, name=name, member_role=role)
        # Whether each case's client consents to MDT now (the latest record wins).
        consents: dict[int, bool] = {}
        for cid, action in (
            ConsentRecord.objects.filter(
                scope=ConsentScope.MDT_CHAMPION, client_id__in={c[3] for c in cases}
            )
            .order_by("client_id", "recorded_at", "pk")
            .values_list("client_id", "action")
        ):
            consents[cid] = action == ConsentAction.GIVEN
        # The meetings: every four weeks at 13:00, from the start to two months ahead.
        starts = []
        at = self.start.replace(hour=13, minute=0, second=0) + timedelta(days=rng.randrange(28))
        while at < self.now + timedelta(days=60):
            starts.append(at)
            at += timedelta(days=28)
        coming = next((i for i, t in enumerate(starts) if t >= self.now), len(starts) - 1)
        agendas: list[list[tuple]] = [[] for _ in starts]
        for case in cases:
            _eid, put_at, closed_at, _cid, _vid = case
            i = bisect.bisect_right(starts, put_at + timedelta(days=1))  # the first meeting after
            if i == len(starts) or (closed_at is not None and closed_at < starts[i]):
                continue  # closed before a meeting could discuss it
            agendas[i].append(case)
            if closed_at is None and i < coming:
                agendas[coming].append(case)  # still open: back on the coming agenda
        if p == 0 and len(agendas[coming]) < CHAIR_AGENDA:
            on = {case[0] for case in agendas[coming]}
            agendas[coming] += self.put_forward_now(pid, rng, CHAIR_AGENDA - len(on), on)
        ids = w.ids(Meeting, len(starts))
        items = 0
        for i, (mid, at) in enumerate(zip(ids, starts, strict=True)):
            ends = at + timedelta(hours=2)
            if at < self.now:
                state = MeetingState.HELD
            elif at < self.now + timedelta(days=30):
                state = MeetingState.PUBLISHED
            else:
                state = MeetingState.DRAFT
            rows = []
            for eid, put_at, _closed, cid, vid in agendas[i]:
                attends = allows and wishes.get(vid) == MdtWish.YES and consents.get(cid, False)
                rows.append((not attends, put_at, eid, cid, vid if attends else None))
            rows.sort(key=lambda r: (r[0], r[1], r[2]))  # volunteer items first, then added
            attending = sum(1 for r in rows if r[4] is not None)
            w.add(
                Meeting,
                id=mid,
                practice_id=pid,
                chair_id=chair,
                starts_at=at,
                ends_at=ends,
                volunteers_leave_at=min(at + timedelta(minutes=10 * attending), ends)
                if attending and state != MeetingState.DRAFT
                else None,
                place="Practice meeting room",
                call_link="",
                notes="",
                state=state,
                published_at=min(at - timedelta(days=7), self.now)
                if state != MeetingState.DRAFT
                else None,
                held_at=ends if state == MeetingState.HELD else None,
                created_by_id=chair,
                created_at=at - timedelta(days=21),
            )
            for (uid, name, role), mmid in zip(
                roster, w.ids(MeetingMember, len(roster)), strict=True
            ):
                w.add(
                    MeetingMember,
                    id=mmid,
                    meeting_id=mid,
                    user_id=uid,
                    name=name,
                    member_role=role,
                    # GPs come more often than the members named only.
                    attended=(rng.random() < (0.9 if uid else 0.8))
                    if state == MeetingState.HELD
                    else None,
                )
            for position, ((_absent, put_at, eid, cid, vid), item_id) in enumerate(
                zip(rows, w.ids(AgendaItem, len(rows)), strict=True), start=1
            ):
                held = state == MeetingState.HELD
                w.add(
                    AgendaItem,
                    id=item_id,
                    meeting_id=mid,
                    escalation_id=eid,
                    client_id=cid,
                    volunteer_id=vid,
                    position=position,
                    reason="Put forward by the Living Well coordinator.",
                    added_by_id=chair,
                    added_at=max(put_at, at - timedelta(days=21)),
                    key_worker_id=None,
                    key_worker_name="District nurse" if held else "",
                    care_plan="Review at home within two weeks; GP to check medication."
                    if held
                    else "",
                    decisions="Agreed a plan with the client's wishes first." if held else "",
                    plan_updated_at=ends if held else None,
                    plan_updated_by_id=chair if held else None,
                )
                if held and rng.random() < 0.5:
                    (aid,) = w.ids(PlanAction, 1)
                    w.add(
                        PlanAction,
                        id=aid,
                        item_id=item_id,
                        description="Home visit and medication review.",
                        owner_id=None,
                        owner_name="District nurse",
                        due_on=(at + timedelta(days=14)).date(),
                        done_at=at + timedelta(days=rng.randrange(3, 20)),
                        created_by_id=chair,
                        created_at=ends,
                    )
            items += len(rows)
        return items

    def put_forward_now(self, pid: int, rng, n: int, on: set[int]) -> list[tuple]:
        """The benchmark's chair needs a full coming agenda: put ``n`` more of the practice's
        latest open cases (not ``on`` it already) forward to the MDT now (state, version and a
        history step, as the service does)."""
        w = self.writer
        picked = list(
            Escalation.objects.filter(
                observation__client__practice_id=pid,
                state__in=[
                    EscalationState.ROUTED,
                    EscalationState.ACCEPTED,
                    EscalationState.REFERRED,
                ],
            )
            .exclude(pk__in=on)
            .order_by("-created_at", "-pk")
            .values_list(
                "pk",
                "version",
                "owner_id",
                "observation__client_id",
                "observation__volunteer_id",
            )[:n]
        )
        cases = []
        for eid, version, owner, cid, vid in picked:
            at = self.now - timedelta(hours=rng.randrange(2, 72))
            Escalation.objects.filter(pk=eid).update(
                state=EscalationState.AT_MDT,
                put_to_mdt_at=at,
                triaged_at=Coalesce("triaged_at", models.Value(at)),
                version=version + 1,
            )
            (event_id,) = w.ids(EscalationEvent, 1)
            w.add(
                EscalationEvent,
                id=event_id,
                escalation_id=eid,
                at=at,
                actor_id=owner,
                action="put_to_mdt",
                summary="Put forward to the MDT",
                volunteer_summary="",
                data={"practice_id": pid},
            )
            cases.append((eid, at, None, cid, vid))
        return cases

    @transaction.atomic
    def seed_second_factors(self) -> None:
        """Staff sign in with a password and a code: give each staff representative an
        authenticator with a known key (``otp_key``), so the benchmark can compute its codes."""
        if not apps.is_installed("django_otp.plugins.otp_totp"):
            return
        from django_otp.plugins.otp_totp.models import TOTPDevice

        for role, username in REPRESENTATIVES.items():
            if role == Role.VOLUNTEER:
                continue
            user = User.objects.get(username=username)
            if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                TOTPDevice.objects.create(
                    user=user, name="Benchmark", key=otp_key(username), confirmed=True
                )
                self.writer.written[TOTPDevice._meta.label] += 1

    # --- users --------------------------------------------------------------------------
    def add_user(self, *, username, role, locality_id, first, last, practices=(), rep=False):
        (user_id,) = self.writer.ids(User, 1)
        self.writer.add(
            User,
            id=user_id,
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@scale.livingwell.example",
            role=role,
            locality_id=locality_id,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
            is_active=True,
            password=self.rep_password if rep else make_password(None),
            date_joined=self.start,
            last_login=None,
            job_title="" if role == Role.VOLUNTEER else role.label,
        )
        (gid,) = self.writer.ids(self.user_group, 1)
        self.writer.add(self.user_group, id=gid, user_id=user_id, group_id=self.groups[role])
        for pid in practices:
            (tid,) = self.writer.ids(self.user_practice, 1)
            self.writer.add(self.user_practice, id=tid, user_id=user_id, practice_id=pid)
        return user_id

    # --- stages -------------------------------------------------------------------------
    @transaction.atomic
    def seed_global(self) -> None:
        for urgency, due in DUE_WITHIN.items():
            UrgencyPolicy.objects.get_or_create(urgency=urgency, defaults={"due_within": due})
        ConfidentialityAgreement.objects.get_or_create(
            version=AGREEMENT_VERSION,
            defaults={
                "text": "I keep what I learn about clients to myself and share it only with "
                "Living Well staff, to help the client.",
                "in_force_from": self.start.date() - timedelta(days=400),
                # Everyone signed it: there is no lapse for the daily sweep to announce.
                "lapses_sent_at": self.now,
            },
        )
        fallback = RoutingRule.objects.filter(
            kind="", locality__isnull=True, urgency="", active=True
        )
        if not fallback.exists():
            RoutingRule.objects.create(triage_role=TriageRole.COORDINATOR, priority=1000)
        if not User.objects.filter(username=REPRESENTATIVES[Role.ADMIN]).exists():
            self.add_user(
                username=REPRESENTATIVES[Role.ADMIN],
                role=Role.ADMIN,
                locality_id=None,
                first="Ada",
                last="Scale",
                rep=True,
            )
        self.writer.flush()

    def seed_localities(self) -> None:
        n = self.o["localities"]
        existing = set(
            Locality.objects.filter(slug__startswith="scale-").values_list("slug", flat=True)
        )
        for i in range(n):
            if LOCALITY_SLUG.format(i + 1) not in existing:
                with transaction.atomic():
                    self.add_locality(i)
                    self.writer.flush()
        self.localities = list(
            Locality.objects.filter(slug__in=[LOCALITY_SLUG.format(i + 1) for i in range(n)])
            .order_by("slug")
            .values_list("pk", flat=True)
        )
        # Per locality: its coordinators and team leaders, and its services by kind.
        staff = User.objects.filter(
            locality_id__in=self.localities,
            role__in=[Role.COORDINATOR, Role.TEAM_LEADER],
            username__startswith="scale.",
        ).order_by("pk")
        self.coordinators = {pk: [] for pk in self.localities}
        self.team_leaders = {pk: [] for pk in self.localities}
        for uid, role, loc in staff.values_list("pk", "role", "locality_id"):
            (self.coordinators if role == Role.COORDINATOR else self.team_leaders)[loc].append(uid)
        self.services = {pk: {} for pk in self.localities}
        self.service_names = {}
        for sid, name, kinds, loc in Service.objects.filter(
            localities__in=self.localities, organisation__startswith="Scale "
        ).values_list("pk", "name", "kinds", "localities"):
            self.service_names[sid] = name
            for kind in kinds:
                self.services[loc].setdefault(kind, sid)

    def add_locality(self, i: int) -> None:
        rng = random.Random(self.o["seed"] * 7 + i)
        w = self.writer
        (loc_id,) = w.ids(Locality, 1)
        staff = {Role.COORDINATOR: [], Role.TEAM_LEADER: []}
        for role, prefix in ((Role.COORDINATOR, "coord"), (Role.TEAM_LEADER, "tl")):
            for j in range(2):
                rep = i == 0 and j == 0
                username = REPRESENTATIVES[role] if rep else f"scale.{prefix}.{i + 1:02d}.{j}"
                staff[role].append(
                    self.add_user(
                        username=username,
                        role=role,
                        locality_id=loc_id,
                        first=rng.choice(FIRST_NAMES),
                        last=rng.choice(LAST_NAMES),
                        rep=rep,
                    )
                )
        leaders = staff[Role.TEAM_LEADER]
        w.add(
            Locality,
            id=loc_id,
            name=f"Scale locality {i + 1:02d}",
            slug=LOCALITY_SLUG.format(i + 1),
            # The lead hears of escalations still open after the owner's reminder.
            lead_id=staff[Role.COORDINATOR][0],
        )
        models_run = list(CoproductionModel)
        for m in (models_run[i % 4], models_run[(i + 1) % 4]):
            (mid,) = w.ids(LocalityModel, 1)
            w.add(LocalityModel, id=mid, locality_id=loc_id, model=m, started_on=self.start.date())
        through = Service.localities.through
        for name, medical, kinds, helps in SERVICE_CATALOGUE:
            (sid,) = w.ids(Service, 1)
            w.add(
                Service,
                id=sid,
                name=f"{name} ({i + 1:02d})",
                is_medical=medical,
                kinds=[str(k) for k in kinds],
                contact_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                phone=f"01872 {rng.randrange(100000, 999999)}",
                email=f"service{sid}@scale.livingwell.example",
                organisation=f"Scale locality {i + 1:02d}",
                helps_with=helps,
                hours="Monday to Friday, 9am to 5pm",
                active=True,
            )
            (tid,) = w.ids(through, 1)
            w.add(through, id=tid, service_id=sid, locality_id=loc_id)
            for kind in kinds:
                (rid,) = w.ids(RoutingRule, 1)
                w.add(
                    RoutingRule,
                    id=rid,
                    kind=kind,
                    locality_id=loc_id,
                    urgency="",
                    service_id=sid,
                    triage_role=TriageRole.COORDINATOR,
                    priority=100,
                    active=True,
                )
        # Urgent observations go to the team leader on call (seed s4.1).
        (rid,) = w.ids(RoutingRule, 1)
        w.add(
            RoutingRule,
            id=rid,
            kind="",
            locality_id=loc_id,
            urgency=Urgency.URGENT,
            service_id=None,
            triage_role=TriageRole.TEAM_LEADER_ON_CALL,
            priority=50,
            active=True,
        )
        # Day and night shifts from the start of the period to three months ahead.
        shifts = []
        at = self.start.replace(hour=8, minute=0, second=0)
        end = self.now + timedelta(days=90)
        while at < end:
            shifts.append((at, leaders[len(shifts) % 2]))
            at += timedelta(hours=12)
        for sid, (starts, who) in zip(w.ids(OnCallShift, len(shifts)), shifts, strict=True):
            w.add(
                OnCallShift,
                id=sid,
                locality_id=loc_id,
                team_leader_id=who,
                starts_at=starts,
                ends_at=starts + timedelta(hours=12),
            )

    def seed_practices(self) -> None:
        n = self.o["practices"]
        existing = set(
            Practice.objects.filter(ods_code__startswith="SC").values_list("ods_code", flat=True)
        )
        missing = [p for p in range(n) if PRACTICE_CODE.format(p + 1) not in existing]
        with transaction.atomic():
            for p in missing:
                self.add_practice(p)
            self.writer.flush()
        rows = dict(
            Practice.objects.filter(
                ods_code__in=[PRACTICE_CODE.format(p + 1) for p in range(n)]
            ).values_list("ods_code", "pk")
        )
        self.practices = [rows[PRACTICE_CODE.format(p + 1)] for p in range(n)]

    def practice_locality(self, p: int) -> int:
        return p % len(self.localities)

    def add_practice(self, p: int) -> None:
        rng = random.Random(self.o["seed"] * 11 + p)
        w = self.writer
        (pid,) = w.ids(Practice, 1)
        loc = self.localities[self.practice_locality(p)]
        allows = p % 2 == 0
        w.add(
            Practice,
            id=pid,
            name=f"{rng.choice(LAST_NAMES)} Surgery {p + 1}",
            ods_code=PRACTICE_CODE.format(p + 1),
            locality_id=loc,
            address=f"{p + 1} Fore Street",
            phone=f"01736 {rng.randrange(100000, 999999)}",
            email=f"practice{p + 1}@scale.livingwell.example",
            contact_name="Practice manager",
            volunteers_may_attend_mdt=allows,
            volunteer_trial_starts_on=self.start.date() if allows else None,
            volunteer_trial_review_on=(self.now + timedelta(days=180)).date() if allows else None,
            volunteer_trial_notes="",
            agenda_order="volunteer_items_first",
            confidentiality_protocol=(
                "Volunteers attend only for their own client's item, leave before other cases, "
                "and keep what they hear to themselves."
            ),
        )
        self.add_user(
            username=REPRESENTATIVES[Role.MDT_CHAIR] if p == 0 else f"scale.chair.{p + 1:04d}",
            role=Role.MDT_CHAIR,
            locality_id=loc,
            first=rng.choice(FIRST_NAMES),
            last=rng.choice(LAST_NAMES),
            practices=[pid],
            rep=p == 0,
        )
        for j in range(2):
            rep = p == 0 and j == 0
            self.add_user(
                username=REPRESENTATIVES[Role.PRACTITIONER]
                if rep
                else f"scale.prac.{p + 1:04d}.{j}",
                role=Role.PRACTITIONER,
                locality_id=loc,
                first=rng.choice(FIRST_NAMES),
                last=rng.choice(LAST_NAMES),
                practices=[pid],
                rep=rep,
            )

    def seed_volunteers(self) -> None:
        n = self.o["volunteers"]
        L = len(self.localities)
        scale = Volunteer.objects.filter(locality_id__in=self.localities)
        have = scale.count()
        agreement = ConfidentialityAgreement.objects.get(version=AGREEMENT_VERSION)
        batch = self.o["batch_size"]
        for first in range(have, n, batch):
            with transaction.atomic():
                for v in range(first, min(n, first + batch)):
                    self.add_volunteer(v, self.localities[v % L], agreement)
                self.writer.flush()
        if have or n:
            self.log(f"  volunteers: {min(have, n):,} there, {max(0, n - have):,} added")
        rows = list(scale.order_by("pk").values_list("pk", "user_id", "locality_id")[:n])
        self.vol_ids = array("q", (r[0] for r in rows))
        self.vol_users = array("q", (r[1] for r in rows))
        self.vols_by_locality = {loc: [] for loc in self.localities}
        for idx, (_pk, _u, loc) in enumerate(rows):
            self.vols_by_locality[loc].append(idx)

    def add_volunteer(self, v: int, loc: int, agreement) -> None:
        rng = random.Random(self.o["seed"] * 13 + v)
        w = self.writer
        rep = v == 0
        user_id = self.add_user(
            username=REPRESENTATIVES[Role.VOLUNTEER] if rep else f"scale.vol.{v:05d}",
            role=Role.VOLUNTEER,
            locality_id=loc,
            first=rng.choice(FIRST_NAMES),
            last=rng.choice(LAST_NAMES),
            rep=rep,
        )
        (vid,) = w.ids(Volunteer, 1)
        background = rng.random()
        w.add(
            Volunteer,
            id=vid,
            user_id=user_id,
            locality_id=loc,
            phone=f"07700 {rng.randrange(100000, 999999)}",
            address=f"{rng.randrange(1, 120)} Chapel Street",
            skills=rng.choice(["Good listener", "Driving", "Gardening", "Forms and letters"]),
            professional_background="Retired district nurse" if background < 0.08 else "",
            availability=rng.choice(["Weekday mornings", "Tuesdays and Thursdays", "Weekends"]),
            mdt_wish=rng.choices(
                [MdtWish.YES, MdtWish.MAYBE, MdtWish.NO, MdtWish.NOT_ASKED], [4, 2, 2, 2]
            )[0],
            status=VolunteerStatus.ACTIVE,
            joined_on=(self.start - timedelta(days=rng.randrange(0, 700))).date(),
        )
        today = self.now.date()
        for module in (TrainingModule.MEDICALLY_AWARE, TrainingModule.SAFEGUARDING):
            done = today - timedelta(days=rng.randrange(10, 300))
            (tid,) = w.ids(TrainingRecord, 1)
            w.add(
                TrainingRecord,
                id=tid,
                volunteer_id=vid,
                module=module,
                completed_on=done,
                expires_on=done + timedelta(days=3 * 365),
                recorded_by_id=None,
            )
        (sid,) = w.ids(AgreementSignature, 1)
        w.add(
            AgreementSignature,
            id=sid,
            volunteer_id=vid,
            agreement_id=agreement.pk,
            signed_on=agreement.in_force_from + timedelta(days=rng.randrange(0, 300)),
            recorded_by_id=None,
        )

    def seed_clients(self) -> None:
        n = self.o["clients"]
        scale = Client.objects.filter(practice_id__in=self.practices)
        have = scale.count()
        batch = self.o["batch_size"]
        for first in range(have, n, batch):
            with transaction.atomic():
                for c in range(first, min(n, first + batch)):
                    self.add_client(c)
                self.writer.flush()
        self.log(f"  clients: {min(have, n):,} there, {max(0, n - have):,} added")
        # Each client's locality and visiting volunteer (index into the volunteer arrays).
        vol_index = {pk: i for i, pk in enumerate(self.vol_ids)}
        self.client_ids = array("q")
        self.client_locs = array("q")
        self.client_vols = array("l")
        rows = (
            Assignment.objects.filter(client__practice_id__in=self.practices, ended_on__isnull=True)
            .order_by("client_id")
            .values_list("client_id", "client__locality_id", "volunteer_id")
        )
        for cid, loc, vid in rows.iterator(chunk_size=10_000):
            if vid in vol_index:
                self.client_ids.append(cid)
                self.client_locs.append(loc)
                self.client_vols.append(vol_index[vid])
        if len(self.client_ids) < n:
            raise CommandError(f"{n} clients asked for, {len(self.client_ids)} found assigned")

    def add_client(self, c: int) -> None:
        rng = random.Random(self.o["seed"] * 17 + c)
        w = self.writer
        p = c % len(self.practices)
        loc = self.localities[self.practice_locality(p)]
        vols = self.vols_by_locality[loc]
        v = vols[(c // len(self.localities)) % len(vols)]
        (cid,) = w.ids(Client, 1)
        created = self.start - timedelta(days=rng.randrange(1, 365), seconds=rng.randrange(86400))
        w.add(
            Client,
            id=cid,
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            date_of_birth=date(1925, 1, 1) + timedelta(days=rng.randrange(0, 33 * 365)),
            nhs_number=nhs_number(c),
            address=f"{rng.randrange(1, 200)} {rng.choice(LAST_NAMES)} Road",
            postcode=f"TR{rng.randrange(1, 27)} {rng.randrange(1, 9)}"
            + "".join(rng.choices(POSTCODE_LETTERS, k=2)),
            phone=f"01209 {rng.randrange(100000, 999999)}",
            visit_notes=rng.choice(VISIT_NOTES),
            practice_id=self.practices[p],
            locality_id=loc,
            status=ClientStatus.ACTIVE,
            created_at=created,
        )
        for _ in range(rng.choice((1, 1, 2))):
            (nid,) = w.ids(Need, 1)
            medical = rng.random() < 0.4
            w.add(
                Need,
                id=nid,
                client_id=cid,
                kind=NeedKind.MEDICAL if medical else NeedKind.NON_MEDICAL,
                description=rng.choice(
                    ["Help with medicines", "Memory support", "Mobility at home"]
                    if medical
                    else ["Lift to the surgery", "Company", "Help with forms", "Shopping"]
                ),
                met=rng.random() < 0.3,
            )
        coordinator = self.coordinators[loc][0]
        (aid,) = w.ids(Assignment, 1)
        w.add(
            Assignment,
            id=aid,
            client_id=cid,
            volunteer_id=self.vol_ids[v],
            started_on=created.date(),
            ended_on=None,
            created_by_id=coordinator,
        )
        # The volunteer's object permission, as clients.services grants with the assignment.
        (gid,) = w.ids(ClientUserObjectPermission, 1)
        w.add(
            ClientUserObjectPermission,
            id=gid,
            permission_id=self.view_client,
            user_id=self.vol_users[v],
            content_object_id=cid,
        )
        for scope, share in (
            (ConsentScope.SHARE_WITH_PARTNERS, 0.95),
            (ConsentScope.MDT_CHAMPION, 0.45),
            (ConsentScope.ANONYMISED_STORY, 0.3),
        ):
            if rng.random() >= share:
                continue
            at = created + timedelta(days=rng.randrange(0, 20))
            records = [(ConsentAction.GIVEN, at)]
            if rng.random() < 0.08:
                records.append((ConsentAction.WITHDRAWN, at + self.span * rng.random()))
            for action, when in records:
                (rid,) = w.ids(ConsentRecord, 1)
                w.add(
                    ConsentRecord,
                    id=rid,
                    client_id=cid,
                    scope=scope,
                    action=action,
                    method=rng.choice((ConsentMethod.SPOKEN, ConsentMethod.WRITTEN)),
                    recorded_at=min(when, self.now),
                    privacy_notice_version="2021-1",
                    recorded_by_id=coordinator,
                    notes="",
                )

    def seed_observations(self) -> None:
        n = self.o["observations"]
        have = seeded_observations().count()
        if have >= n:
            self.log(f"  observations: {have:,} there, none added")
            return
        self.recent_n = min(n // 10, RECENT_PER_LOCALITY * len(self.localities))
        self.compress_recent = self.span * self.recent_n > RECENT_WINDOW * max(n, 1)
        self.rep_clients = [ci for ci, v in enumerate(self.client_vols) if v == 0]
        self.rep_every = 0
        if self.rep_clients and n < REP_OBSERVATIONS * len(self.vol_ids):
            self.rep_every = max(1, self.recent_n // REP_OBSERVATIONS)
        batch = self.o["batch_size"]
        t = time.monotonic()
        for first in range(have, n, batch):
            with transaction.atomic():
                self.add_observations(first, min(n, first + batch), n)
                self.writer.flush()
            done = min(n, first + batch) - have
            rate = done / max(time.monotonic() - t, 1e-6)
            self.log(f"  observations: {have + done:,} of {n:,} ({rate:,.0f} observations/s)")

    def add_observations(self, first: int, stop: int, total: int) -> None:
        rng = random.Random(self.o["seed"] * 1_000_003 + first)
        w = self.writer
        count = stop - first
        kinds, kind_w = weighted(KIND_WEIGHTS)
        urgencies, urgency_w = weighted(URGENCY_WEIGHTS)
        obs_ids = w.ids(Observation, count)
        esc_ids = w.ids(Escalation, count)
        span_s = self.span.total_seconds()
        now = self.now
        for k in range(count):
            o = first + k
            ci = rng.randrange(len(self.client_ids))
            back = total - o  # 1 for the newest
            if self.rep_every and back <= self.recent_n and back % self.rep_every == 0:
                ci = self.rep_clients[(back // self.rep_every) % len(self.rep_clients)]
            loc = self.client_locs[ci]
            v = self.client_vols[ci]
            vol_user = self.vol_users[v]
            kind = rng.choices(kinds, kind_w)[0]
            urgency = rng.choices(urgencies, urgency_w)[0]
            created = self.start + timedelta(seconds=span_s * (o + rng.random()) / total)
            if self.compress_recent and back <= self.recent_n:
                created = now - RECENT_WINDOW * ((back - rng.random()) / self.recent_n)
            by_phone = rng.random() < 0.05
            leaders = self.team_leaders[loc]
            w.add(
                Observation,
                id=obs_ids[k],
                client_id=self.client_ids[ci],
                volunteer_id=self.vol_ids[v],
                logged_by_id=rng.choice(leaders) if by_phone else vol_user,
                by_phone=by_phone,
                kind=kind,
                urgency=urgency,
                noticed=rng.choice(NOTICED[kind]),
                client_wants=rng.choice(CLIENT_WANTS),
                created_at=created,
                submission_key=observation_key(o),
            )
            self.add_escalation(
                rng, esc_ids[k], obs_ids[k], loc, kind, urgency, created, now, vol_user
            )

    def add_escalation(self, rng, eid, oid, loc, kind, urgency, created, now, vol_user) -> None:
        w = self.writer
        due_within = DUE_WITHIN[urgency]
        service_id = self.services[loc].get(kind)
        if urgency == Urgency.URGENT:
            owner = rng.choice(self.team_leaders[loc])
        else:
            owner = rng.choice(self.coordinators[loc])
        routed = created + timedelta(seconds=rng.uniform(0.3, 4.0))
        due = created + due_within
        triaged = created + due_within * rng.uniform(0.02, 0.3)
        resolution = due_within * min(8.0, rng.lognormvariate(-0.3, 0.8))
        closed = created + resolution
        stale = rng.random() < 0.002
        referred = None
        if rng.random() < 0.6 and service_id is not None:
            referred = triaged + (closed - triaged) * rng.uniform(0.1, 0.5)
        at_mdt = kind in MEDICAL_KINDS and rng.random() < 0.03
        if at_mdt:
            # A case put forward waits for the practice's monthly MDT, and its plan.
            closed = max(closed, triaged + timedelta(days=rng.uniform(14, 75)))
        is_closed = not stale and closed <= now
        events = [("routed", routed, None, "Routed", "Passed to the team.")]
        state = EscalationState.ROUTED
        if triaged <= now:
            state = EscalationState.ACCEPTED
            events.append(("accepted", triaged, owner, "Accepted", "A coordinator is on it."))
        if referred is not None and referred <= now:
            state = EscalationState.REFERRED
            name = self.service_names.get(service_id, "a service")
            events.append(
                ("referred", referred, owner, f"Referred to {name}", f"Passed to {name}.")
            )
            (rid,) = w.ids(Referral, 1)
            w.add(
                Referral,
                id=rid,
                escalation_id=eid,
                service_id=service_id,
                channel=rng.choice(list(ReferralChannel)),
                what_was_shared="The volunteer's observation and the client's wishes.",
                sent_at=referred,
                by_id=owner,
            )
        put_to_mdt_at = None
        if at_mdt and triaged <= now:
            state = EscalationState.AT_MDT
            put_to_mdt_at = at = triaged + timedelta(hours=1)
            events.append(("put_to_mdt", at, owner, "Put forward to the MDT", ""))
        if rng.random() < 0.04 and triaged <= now:
            at = triaged + timedelta(minutes=30)
            for author, text in (
                (owner, "Has anything changed since your visit?"),
                (vol_user, "She seemed a little brighter on the phone yesterday."),
            ):
                (qid,) = w.ids(QuestionMessage, 1)
                w.add(
                    QuestionMessage, id=qid, escalation_id=eid, author_id=author, text=text, at=at
                )
                at += timedelta(hours=3)
            events.append(("question", triaged + timedelta(minutes=30), owner, "Asked", ""))
        if is_closed:
            state = EscalationState.CLOSED
            went_well = rng.random() < 0.82
            message = (
                "Thank you for letting us know. The right people have been in touch and things "
                "are in hand."
                if went_well
                else "Thank you. We tried to help, but it has not worked out as we hoped yet."
            )
            events.append(("closed", closed, owner, "Closed with an outcome", message))
            (outcome_id,) = w.ids(Outcome, 1)
            w.add(
                Outcome,
                id=outcome_id,
                escalation_id=eid,
                summary="Followed up with the service; the client is supported.",
                message_for_volunteer=message,
                went_well=went_well,
                recorded_by_id=owner,
                recorded_at=closed,
            )
        finished = closed if is_closed else now
        owner_reminded = due + timedelta(minutes=5) if due < finished else None
        lead_reminded = None
        if owner_reminded and due + timedelta(hours=24) < finished:
            lead_reminded = due + timedelta(hours=24, minutes=5)
        w.add(
            Escalation,
            id=eid,
            observation_id=oid,
            locality_id=loc,
            kind=kind,
            urgency=urgency,
            urgency_rank=URGENCY_RANK[urgency],
            created_at=created,
            state=state,
            version=len(events),
            service_id=service_id,
            owner_id=owner,
            due_at=due,
            routing_status=RoutingStatus.DONE,
            routing_attempts=1,
            routing_claimed_at=created,
            routed_at=routed,
            routing_error="",
            triaged_at=triaged if triaged <= now else None,
            referred_at=referred if referred is not None and referred <= now else None,
            put_to_mdt_at=put_to_mdt_at,
            closed_at=closed if is_closed else None,
            owner_reminded_at=owner_reminded,
            lead_reminded_at=lead_reminded,
        )
        for (action, at, actor, summary, for_volunteer), event_id in zip(
            events, w.ids(EscalationEvent, len(events)), strict=True
        ):
            w.add(
                EscalationEvent,
                id=event_id,
                escalation_id=eid,
                at=at,
                actor_id=actor,
                action=action,
                summary=summary,
                volunteer_summary=for_volunteer,
                data={},
            )
