"""The evidence figures, computed by the database: a fixed number of aggregate queries per
page whatever the number of observations, never a loop over rows in Python.

What each figure means (the page says the same in words):

- Observations: those made in a column's windows (by ``created_at``, in the locality of the
  client). Every later figure about them follows this cohort to now: an observation made in
  the period and triaged after it still counts its time to triage.
- Medical or not: by kind, ``escalations.enums.MEDICAL_KINDS``.
- Time to triage, to referral, to outcome: ``triaged_at``, ``referred_at`` and ``closed_at``
  (set with the outcome) minus the observation's time, in hours, over the cohort's
  observations that reached that step: median and 90th percentile with
  ``evidence.aggregates``' meaning (PostgreSQL's ``percentile_cont``), and how many reached it.
- Outcomes fed back: of the cohort's outcomes, those the volunteer was sent
  (``Outcome.volunteer_notified_at``), as a count and a share.
- Overdue follow-ups: of the cohort's escalations with a due time, those still without an
  outcome past it now, and those whose outcome came after it.
- Meetings and attendance: volunteer meetings starting in the windows, attendance rows by role.
- MDT items with a volunteer attending: items of MDT meetings held in the windows (by the
  practice's locality); see ``mdt_figures``.
- Stories published: success stories first published in the windows.
- Volunteers active: volunteers of the locality who logged an observation or came to a
  volunteer meeting in the windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q

from escalations import models as escalation_models
from escalations.enums import MEDICAL_KINDS, ObservationKind
from escalations.models import Escalation, Observation, Outcome
from peersupport.enums import AttendeeRole, MeetingKind
from peersupport.models import MeetingAttendance, VolunteerMeeting
from volunteers.models import Volunteer

from .aggregates import DurationSeconds, PercentileCont, percentile_from_sorted
from .scope import Column

# The three steps an observation's time is measured to: (key, label, timestamp field).
STEPS = [
    ("triage", "triage", "triaged_at"),
    ("referral", "referral to a service", "referred_at"),
    ("outcome", "outcome", "closed_at"),
]
PERCENTILES = [("median", 0.5), ("p90", 0.9)]

COUNT, HOURS, PERCENT = "count", "hours", "percent"


@dataclass
class Row:
    section: str
    label: str
    unit: str
    values: list = field(default_factory=list)  # one per column; None for "no data"

    def cells(self) -> list[str]:
        return [format_value(v, self.unit) for v in self.values]


def format_value(value, unit: str) -> str:
    """The one text form of a figure, used by the table and the CSV alike."""
    if value is None:
        return ""
    if unit == COUNT:
        return str(int(value))
    return f"{value:.1f}"


@dataclass
class Figures:
    columns: list[Column]
    rows: list[Row]
    at: datetime | None = None  # when they were worked out

    def row(self, label: str) -> Row:
        for row in self.rows:
            if row.label == label:
                return row
        raise KeyError(label)

    def value(self, label: str, column_key: str):
        index = [c.key for c in self.columns].index(column_key)
        return self.row(label).values[index]

    def sections(self) -> list[tuple[str, list[Row]]]:
        out: list[tuple[str, list[Row]]] = []
        for row in self.rows:
            if not out or out[-1][0] != row.section:
                out.append((row.section, []))
            out[-1][1].append(row)
        return out


def _any(columns: list[Column], when: str, locality: str = "locality_id") -> Q:
    q = Q(pk__in=[])
    for column in columns:
        q |= column.q(when, locality)
    return q


def _hours(seconds):
    return None if seconds is None else seconds / 3600


def escalation_figures(columns: list[Column], now: datetime) -> dict[str, list]:
    """Counts, kinds, times to each step and overdue follow-ups.

    One query per column, so each reads only its own rows through the cohort index
    (``evidence_escalation_cohort``) and each aggregate's filter stays simple. On
    PostgreSQL each step's percentiles come from one sort (``percentile_cont(ARRAY[...])``);
    on SQLite from two short sorted reads per percentile.
    """
    postgres = connection.vendor == "postgresql"
    result: dict = {}
    for i, column in enumerate(columns):
        # COUNT(*) rather than COUNT(id): every column read is in the index, so PostgreSQL
        # answers with an index-only scan.
        qs = Escalation.objects.filter(column.q("created_at")).order_by()
        aggs = {"total": Count("*")}
        for kind in ObservationKind:
            aggs[f"kind_{kind.value}"] = Count("created_at", filter=Q(kind=kind))
        for key, _label, stamp in STEPS:
            aggs[f"{key}_n"] = Count(stamp)
            if postgres:
                aggs[f"{key}_pct"] = PercentileCont(
                    DurationSeconds(stamp, "created_at"), [p for _name, p in PERCENTILES]
                )
        aggs["with_due"] = Count("due_at")
        aggs["overdue_now"] = Count("created_at", filter=Q(closed_at__isnull=True, due_at__lt=now))
        aggs["late"] = Count(
            "created_at", filter=Q(closed_at__isnull=False, closed_at__gt=F("due_at"))
        )
        row = qs.aggregate(**aggs)
        for key, _label, stamp in STEPS:
            if postgres:
                values = row.pop(f"{key}_pct") or [None] * len(PERCENTILES)
                for (name, _p), value in zip(PERCENTILES, values, strict=True):
                    row[f"{key}_{name}"] = value
            else:
                sorted_qs = qs.filter(**{f"{stamp}__isnull": False}).annotate(
                    _seconds=DurationSeconds(stamp, "created_at")
                )
                for name, p in PERCENTILES:
                    row[f"{key}_{name}"] = percentile_from_sorted(
                        sorted_qs, "_seconds", p, row[f"{key}_n"]
                    )
        result.update({f"{k}_{i}": v for k, v in row.items()})
    return result


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def outcome_figures(columns: list[Column]) -> dict[str, int | None]:
    """Of the cohort's outcomes, how many were sent to the volunteer.

    Where the escalations app does not record the sending (no ``volunteer_notified_at``),
    the sent count is None ("no data"), never a guess."""
    fed_back_recorded = _has_field(Outcome, "volunteer_notified_at")
    aggs = {}
    for i, column in enumerate(columns):
        cq = column.q("escalation__created_at", "escalation__locality_id")
        aggs[f"outcomes_{i}"] = Count("pk", filter=cq)
        if fed_back_recorded:
            aggs[f"fed_back_{i}"] = Count("pk", filter=cq & Q(volunteer_notified_at__isnull=False))
    result = Outcome.objects.filter(
        _any(columns, "escalation__created_at", "escalation__locality_id")
    ).aggregate(**aggs)
    for i in range(len(columns)):
        result.setdefault(f"fed_back_{i}", None)
    return result


def meeting_figures(columns: list[Column]) -> dict[str, int]:
    """Meetings held by kind, meetings with medical staff, and attendance by role."""
    aggs = {}
    for i, column in enumerate(columns):
        cq = column.q("starts_at")
        for kind in MeetingKind:
            aggs[f"meetings_{kind.value}_{i}"] = Count(
                "pk", filter=cq & Q(kind=kind), distinct=True
            )
        aggs[f"meetings_medical_{i}"] = Count(
            "pk", filter=cq & Q(attendance__role=AttendeeRole.MEDICAL), distinct=True
        )
    result = VolunteerMeeting.objects.filter(_any(columns, "starts_at")).aggregate(**aggs)
    aggs = {}
    for i, column in enumerate(columns):
        cq = column.q("meeting__starts_at", "meeting__locality_id")
        for role in AttendeeRole:
            aggs[f"attended_{role.value}_{i}"] = Count("pk", filter=cq & Q(role=role))
    result.update(
        MeetingAttendance.objects.filter(
            _any(columns, "meeting__starts_at", "meeting__locality_id")
        ).aggregate(**aggs)
    )
    return result


def story_figures(columns: list[Column]) -> dict[str, int | None]:
    """Stories first published in the windows (None where stories are not recorded)."""
    story = getattr(escalation_models, "Story", None)
    if story is None:
        return {f"stories_{i}": None for i in range(len(columns))}
    aggs = {f"stories_{i}": Count("pk", filter=c.q("published_at")) for i, c in enumerate(columns)}
    return story.objects.filter(_any(columns, "published_at")).aggregate(**aggs)


def volunteers_active(column: Column) -> int:
    """Volunteers of the column's localities who logged an observation or came to a volunteer
    meeting (of their own locality) in one of its windows. One query; windows with the same
    times are one condition over their localities (the "All localities" column is one, not
    one per locality: an OR of ten made PostgreSQL probe every volunteer ten times)."""
    by_times: dict[tuple, list[int]] = {}
    for w in column.windows:
        by_times.setdefault((w.start, w.end), []).append(w.locality_id)
    q = Q(pk__in=[])
    for (start, end), locality_ids in by_times.items():
        observed = Observation.objects.filter(
            volunteer=OuterRef("pk"), created_at__gte=start, created_at__lt=end
        )
        attended = MeetingAttendance.objects.filter(
            user=OuterRef("user_id"),
            meeting__locality_id=OuterRef("locality_id"),
            meeting__starts_at__gte=start,
            meeting__starts_at__lt=end,
        )
        q |= Q(locality_id__in=locality_ids) & (Exists(observed) | Exists(attended))
    return Volunteer.objects.filter(q).count()


def mdt_figures(columns: list[Column]) -> list[Row]:
    """Items of MDT meetings held in the windows (a held meeting's ``starts_at``, in its
    practice's locality), and of those the items a volunteer attended for (an item keeps its
    volunteer once the meeting is held). One aggregate query for every column."""
    from mdt.enums import MeetingState
    from mdt.models import AgendaItem

    when, locality = "meeting__starts_at", "meeting__practice__locality_id"
    aggs = {}
    for i, column in enumerate(columns):
        cq = column.q(when, locality)
        aggs[f"items_{i}"] = Count("pk", filter=cq)
        aggs[f"attended_{i}"] = Count("pk", filter=cq & Q(volunteer__isnull=False))
    got = (
        AgendaItem.objects.filter(meeting__state=MeetingState.HELD)
        .filter(_any(columns, when, locality))
        .order_by()
        .aggregate(**aggs)
    )
    n = range(len(columns))
    section = "MDT meetings"
    return [
        Row(section, "MDT items discussed", COUNT, [got[f"items_{i}"] for i in n]),
        Row(
            section,
            "MDT items with a volunteer attending",
            COUNT,
            [got[f"attended_{i}"] for i in n],
        ),
        Row(
            section,
            "Share of MDT items with a volunteer attending (%)",
            PERCENT,
            [
                100 * got[f"attended_{i}"] / got[f"items_{i}"] if got[f"items_{i}"] else None
                for i in n
            ],
        ),
    ]


# Sources of figures from apps above the ones imported here register a function
# ``(columns) -> list[Row]``; ``evidence.apps`` adds the MDT figures (``mdt_figures``).
EXTRA_FIGURES: list = []


def compute(columns: list[Column], now: datetime) -> Figures:
    """Every figure for every column."""
    n = range(len(columns))
    esc = escalation_figures(columns, now)
    out = outcome_figures(columns)
    meet = meeting_figures(columns)
    stories = story_figures(columns)

    def row(section, label, unit, values):
        return Row(section, label, unit, list(values))

    obs = "Observations"
    rows = [row(obs, "Observations", COUNT, (esc[f"total_{i}"] for i in n))]
    medical = [sum(esc[f"kind_{k.value}_{i}"] for k in MEDICAL_KINDS) for i in n]
    rows.append(row(obs, "Medical", COUNT, medical))
    rows.append(row(obs, "Non-medical", COUNT, (esc[f"total_{i}"] - medical[i] for i in n)))
    for kind in ObservationKind:
        rows.append(
            row(obs, f"Kind: {kind.label}", COUNT, (esc[f"kind_{kind.value}_{i}"] for i in n))
        )

    times = "Time from observation (hours)"
    for key, label, _stamp in STEPS:
        rows.append(row(times, f"Reached {label}", COUNT, (esc[f"{key}_n_{i}"] for i in n)))
        rows.append(
            row(
                times,
                f"Median hours to {label}",
                HOURS,
                (_hours(esc[f"{key}_median_{i}"]) for i in n),
            )
        )
        rows.append(
            row(
                times,
                f"90th percentile hours to {label}",
                HOURS,
                (_hours(esc[f"{key}_p90_{i}"]) for i in n),
            )
        )

    fb = "Outcomes fed back to volunteers"
    rows.append(row(fb, "Outcomes recorded", COUNT, (out[f"outcomes_{i}"] for i in n)))
    rows.append(row(fb, "Outcomes sent to the volunteer", COUNT, (out[f"fed_back_{i}"] for i in n)))
    rows.append(
        row(
            fb,
            "Share of outcomes fed back (%)",
            PERCENT,
            (
                100 * out[f"fed_back_{i}"] / out[f"outcomes_{i}"]
                if out[f"outcomes_{i}"] and out[f"fed_back_{i}"] is not None
                else None
                for i in n
            ),
        )
    )

    fu = "Follow-up"
    rows.append(row(fu, "Escalations with a due time", COUNT, (esc[f"with_due_{i}"] for i in n)))
    rows.append(
        row(fu, "Overdue now (no outcome, past due)", COUNT, (esc[f"overdue_now_{i}"] for i in n))
    )
    rows.append(row(fu, "Outcome after its due time", COUNT, (esc[f"late_{i}"] for i in n)))

    mt = "Volunteer meetings"
    for kind in MeetingKind:
        rows.append(
            row(mt, f"{kind.label}s held", COUNT, (meet[f"meetings_{kind.value}_{i}"] for i in n))
        )
    rows.append(
        row(mt, "Meetings with medical staff", COUNT, (meet[f"meetings_medical_{i}"] for i in n))
    )
    for role in AttendeeRole:
        rows.append(
            row(
                mt,
                f"Attendance: {role.label}",
                COUNT,
                (meet[f"attended_{role.value}_{i}"] for i in n),
            )
        )

    for extra in EXTRA_FIGURES:
        rows.extend(extra(columns))

    people = "Stories and volunteers"
    rows.append(row(people, "Stories published", COUNT, (stories[f"stories_{i}"] for i in n)))
    rows.append(row(people, "Volunteers active", COUNT, (volunteers_active(c) for c in columns)))
    return Figures(columns=columns, rows=rows, at=now)
