"""Forms of the MDT pages. Choices are always scoped: a meeting's practice among those the user
runs, a chair of that practice, a key worker or owner among the meeting's members."""

from __future__ import annotations

from datetime import datetime

from crispy_forms_gds.layout import Field
from django import forms
from django.db.models import Q
from django.utils import timezone

from livingwell.enums import Role
from livingwell.forms import GdsFormMixin
from livingwell.models import User
from peersupport.forms import SafeModelChoiceField, date_widget, time_widget

from .enums import MemberRole
from .selectors import agenda_candidates, editable_practices_for

TEXT_LIMIT = 5000


def _text(label, *, required=True, message="", help_text="", max_length=TEXT_LIMIT, rows=4):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": message or f"Enter {label[0].lower()}{label[1:]}"},
    )


class PersonChoiceField(SafeModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.get_role_display()})"


def chairs_of(practice_ids) -> forms.models.QuerySet:
    return (
        User.objects.filter(is_active=True, role=Role.MDT_CHAIR, practices__in=practice_ids)
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def practice_staff(practice) -> forms.models.QuerySet:
    """Who may sit on a practice's MDT with an account: its chairs and practitioners, and the
    coordinators of its locality."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(role__in=[Role.MDT_CHAIR, Role.PRACTITIONER], practices=practice)
            | Q(role=Role.COORDINATOR, locality_id=practice.locality_id)
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


class MeetingForm(GdsFormMixin, forms.Form):
    """Arrange or change a meeting. The practice is chosen once, when it is arranged."""

    submit_label = "Save meeting"

    practice = SafeModelChoiceField(
        queryset=None, error_messages={"required": "Choose the practice"}
    )
    chair = PersonChoiceField(
        queryset=None,
        help_text="An MDT chair of the practice.",
        error_messages={"required": "Choose who chairs the meeting"},
    )
    date = forms.DateField(
        widget=date_widget(),
        error_messages={"required": "Enter the date", "invalid": "Enter a real date"},
    )
    starts = forms.TimeField(
        label="Starts at",
        widget=time_widget(),
        error_messages={"required": "Enter when it starts", "invalid": "Enter a time"},
    )
    ends = forms.TimeField(
        label="Ends at",
        widget=time_widget(),
        error_messages={"required": "Enter when it ends", "invalid": "Enter a time"},
    )
    leave = forms.TimeField(
        label="Volunteers leave at (optional)",
        required=False,
        widget=time_widget(),
        help_text="Leave blank to work it out from the items with volunteers when it is published.",
        error_messages={"invalid": "Enter a time"},
    )
    place = forms.CharField(max_length=200, required=False, help_text="The room and building.")
    call_link = forms.URLField(
        label="Call link",
        max_length=200,
        required=False,
        assume_scheme="https",
        help_text="For members joining by video call.",
        error_messages={"invalid": "Enter a web address, like https://example.org/meet"},
    )
    notes = _text("Notes for members (optional)", required=False, rows=3)

    def __init__(self, *args, user, meeting=None, **kwargs):
        if meeting is not None and "initial" not in kwargs:
            start = timezone.localtime(meeting.starts_at)
            leave = meeting.volunteers_leave_at
            kwargs["initial"] = {
                "chair": meeting.chair_id,
                "date": start.date(),
                "starts": start.time(),
                "ends": timezone.localtime(meeting.ends_at).time(),
                "leave": timezone.localtime(leave).time() if leave else None,
                "place": meeting.place,
                "call_link": meeting.call_link,
                "notes": meeting.notes,
            }
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        fields = list(self.fields)
        if meeting is None:
            practices = editable_practices_for(user).order_by("name")
            self.fields["practice"].queryset = practices
            self.fields["chair"].queryset = chairs_of(practices.values("pk"))
        else:
            del self.fields["practice"]
            fields.remove("practice")
            self.fields["chair"].queryset = chairs_of([meeting.practice_id])
        self.init_helper(*[Field.textarea(f) if f == "notes" else f for f in fields])

    def clean(self):
        data = super().clean()
        practice = self.meeting.practice if self.meeting else data.get("practice")
        chair = data.get("chair")
        if (
            practice is not None
            and chair is not None
            and not chair.practices.filter(pk=practice.pk).exists()
        ):
            self.add_error("chair", "Choose an MDT chair of the meeting's practice")
        if not data.get("place") and not data.get("call_link") and "call_link" not in self.errors:
            self.add_error("place", "Enter the place, or a call link, or both")
        day, starts, ends, leave = (data.get(k) for k in ("date", "starts", "ends", "leave"))
        if starts and ends and ends <= starts:
            self.add_error("ends", "The meeting must end after it starts")
        elif leave and starts and ends and not (starts <= leave <= ends):
            self.add_error("leave", "Volunteers must leave during the meeting")
        if day and starts and ends and not self.errors:
            tz = timezone.get_current_timezone()
            data["starts_at"] = timezone.make_aware(datetime.combine(day, starts), tz)
            data["ends_at"] = timezone.make_aware(datetime.combine(day, ends), tz)
            data["volunteers_leave_at"] = (
                timezone.make_aware(datetime.combine(day, leave), tz) if leave else None
            )
        data["meeting_practice"] = practice
        return data


class MemberForm(GdsFormMixin, forms.Form):
    """Someone on a meeting (or a practice's standing list): an account, or a name."""

    submit_label = "Add member"

    user = PersonChoiceField(
        label="Living Well account (optional)",
        queryset=None,
        required=False,
        help_text="Members with an account can read the agenda.",
    )
    name = forms.CharField(
        max_length=200, required=False, help_text="Needed if they have no account."
    )
    member_role = forms.ChoiceField(
        label="Their role at the MDT",
        choices=[("", "Choose a role"), *MemberRole.choices],
        error_messages={"required": "Choose their role at the MDT"},
    )
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address, like name@example.org"},
    )

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = practice_staff(practice)
        self.init_helper()

    def clean(self):
        data = super().clean()
        if data.get("user") is None and not (data.get("name") or "").strip():
            self.add_error("name", "Enter their name, or choose their account")
        return data


class ItemAddForm(GdsFormMixin, forms.Form):
    submit_label = "Add to the agenda"

    escalation = SafeModelChoiceField(
        label="Case put forward",
        queryset=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a case to add"},
    )
    reason = _text(
        "Why it is discussed (optional)",
        required=False,
        help_text="For members only: volunteers never see this.",
        rows=3,
    )
    volunteer_attends = forms.BooleanField(
        label="The client's volunteer attends for this item",
        required=False,
        help_text="Only if all four conditions hold; otherwise the item is added without them "
        "and you are told why.",
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["escalation"].queryset = agenda_candidates(meeting)
        self.fields["escalation"].label_from_instance = lambda e: (
            f"{e.observation.client}: {e.get_kind_display()} ({e.get_urgency_display()})"
        )
        self.init_helper(
            Field.radios("escalation", legend_size="s"),
            Field.textarea("reason"),
            Field.checkbox("volunteer_attends", small=True),
        )


class PlanForm(GdsFormMixin, forms.Form):
    submit_label = "Save the plan"

    key_worker = PersonChoiceField(
        label="Key worker",
        queryset=None,
        required=False,
        help_text="One of the meeting's members with an account.",
    )
    key_worker_name = forms.CharField(
        label="Or their name",
        max_length=200,
        required=False,
        help_text="If the key worker has no Living Well account.",
    )
    care_plan = _text("Anticipatory care plan", rows=6)
    decisions = _text("Decisions", required=False, rows=4)

    def __init__(self, *args, item, **kwargs):
        if "initial" not in kwargs:
            kwargs["initial"] = {
                "key_worker": item.key_worker_id,
                "key_worker_name": item.key_worker_name,
                "care_plan": item.care_plan,
                "decisions": item.decisions,
            }
        super().__init__(*args, **kwargs)
        self.fields["key_worker"].queryset = member_users(item.meeting)
        self.init_helper(
            "key_worker",
            "key_worker_name",
            Field.textarea("care_plan"),
            Field.textarea("decisions"),
        )

    def clean(self):
        data = super().clean()
        if data.get("key_worker") is None and not (data.get("key_worker_name") or "").strip():
            self.add_error("key_worker", "Choose a key worker, or enter their name")
        return data


def member_users(meeting):
    return User.objects.filter(is_active=True, mdt_memberships__meeting=meeting).order_by(
        "first_name", "last_name", "pk"
    )


class ActionForm(GdsFormMixin, forms.Form):
    submit_label = "Add action"

    description = _text("What needs doing", message="Say what needs doing", rows=3)
    owner = PersonChoiceField(
        label="Who will do it", queryset=None, required=False, help_text="A member with an account."
    )
    owner_name = forms.CharField(
        label="Or their name", max_length=200, required=False, help_text="If they have no account."
    )
    due_on = forms.DateField(
        label="Due by",
        widget=date_widget(),
        error_messages={"required": "Enter the date it is due", "invalid": "Enter a real date"},
    )

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_users(item.meeting)
        self.init_helper()

    def clean(self):
        data = super().clean()
        if data.get("owner") is None and not (data.get("owner_name") or "").strip():
            self.add_error("owner", "Choose who will do it, or enter their name")
        due = data.get("due_on")
        if due and due < timezone.localdate():
            self.add_error("due_on", "The due date must be today or later")
        return data


class CloseForm(GdsFormMixin, forms.Form):
    submit_label = "Close the case with this outcome"

    summary = _text("What the meeting decided", help_text="For staff: the full account.")
    message_for_volunteer = _text(
        "Message for the volunteer",
        help_text="Plain words, with no more health detail than they need. For example: "
        "'Thank you: the district nurse will visit her every week now.'",
        max_length=2000,
    )
    went_well = forms.TypedChoiceField(
        label="Did it go well?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether it went well"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper(
            Field.textarea("summary"),
            Field.textarea("message_for_volunteer"),
            Field.radios("went_well", inline=True),
        )


class WhenForm(forms.Form):
    """The meeting list's filter (GET): a bad value shows the coming meetings."""

    when = forms.ChoiceField(choices=[("coming", "Coming"), ("past", "Past")], required=False)
