from __future__ import annotations

import re
from datetime import datetime

from crispy_forms_gds.layout import Field
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from livingwell.enums import Role
from livingwell.forms import GdsFormMixin, ModelMultipleChoiceField
from livingwell.models import Locality, User

from .enums import AttendeeRole, MeetingKind
from .selectors import (
    facilitator_choices,
    locality_medical_staff,
    locality_staff,
    locality_volunteers,
)


def date_widget():
    return forms.DateInput(
        format="%Y-%m-%d", attrs={"type": "date", "class": "govuk-input govuk-input--width-10"}
    )


def time_widget():
    return forms.TimeInput(
        format="%H:%M", attrs={"type": "time", "class": "govuk-input govuk-input--width-5"}
    )


# A primary key the database can hold: anything else is an invalid choice, never a query.
PK_TEXT = re.compile(r"^[0-9]{1,18}$")


class SafeModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not PK_TEXT.match(str(value)):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class PersonChoiceField(SafeModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.get_role_display()})"


class PeopleField(ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def _check_values(self, value):
        for pk in value:
            if not PK_TEXT.match(str(pk)):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)

    def label_from_instance(self, obj):
        return obj.job_title and f"{obj} ({obj.job_title})" or str(obj)


class MeetingForm(GdsFormMixin, forms.Form):
    """Arrange or change a meeting. ``locality`` is fixed for locality staff; an admin picks it."""

    submit_label = "Save meeting"

    locality = SafeModelChoiceField(queryset=Locality.objects.all(), empty_label=None)
    kind = forms.ChoiceField(
        label="Kind of meeting", choices=MeetingKind.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(
        max_length=200, required=False, help_text="Optional, for example 'Winter wellbeing'."
    )
    date = forms.DateField(widget=date_widget(), error_messages={"invalid": "Enter a real date"})
    starts = forms.TimeField(
        label="Starts at", widget=time_widget(), error_messages={"invalid": "Enter a time"}
    )
    ends = forms.TimeField(
        label="Ends at", widget=time_widget(), error_messages={"invalid": "Enter a time"}
    )
    place = forms.CharField(max_length=300, help_text="Where, with enough to find the room.")
    facilitator = PersonChoiceField(queryset=User.objects.none(), required=False)
    invited = PeopleField(
        label="Invite medical staff (optional)",
        queryset=User.objects.none(),
        required=False,
        help_text="GPs, nurses and other practitioners of the locality's practices. "
        "Their attendance is a trial to review (recommendation 4).",
    )

    def __init__(self, *args, user: User, locality: Locality | None, meeting=None, **kwargs):
        if meeting is not None and "initial" not in kwargs:
            start = timezone.localtime(meeting.starts_at)
            kwargs["initial"] = {
                "locality": meeting.locality_id,
                "kind": meeting.kind,
                "title": meeting.title,
                "date": start.date(),
                "starts": start.time(),
                "ends": timezone.localtime(meeting.ends_at).time(),
                "place": meeting.place,
                "facilitator": meeting.facilitator_id,
                "invited": list(meeting.invitations.values_list("user_id", flat=True)),
            }
        super().__init__(*args, **kwargs)
        self.user = user
        self.fixed_locality = locality
        fields = ["locality", "kind", "title", "date", "starts", "ends", "place"]
        fields += ["facilitator", "invited"]
        if locality is not None:
            del self.fields["locality"]
            fields.remove("locality")
            self.fields["facilitator"].queryset = facilitator_choices(locality.pk)
            self.fields["invited"].queryset = locality_medical_staff(locality.pk)
        else:
            self.fields["facilitator"].queryset = User.objects.filter(
                is_active=True,
                role__in=[Role.COORDINATOR, Role.TEAM_LEADER, Role.VOLUNTEER],
            ).order_by("first_name", "last_name", "pk")
            self.fields["invited"].queryset = User.objects.filter(
                is_active=True, role__in=[Role.PRACTITIONER, Role.MDT_CHAIR]
            ).order_by("first_name", "last_name", "pk")
        self.init_helper(
            *[
                Field.radios(f, legend_size="s")
                if f == "kind"
                else Field.checkboxes(f, small=True)
                if f == "invited"
                else f
                for f in fields
            ]
        )

    def clean(self):
        data = super().clean()
        locality = self.fixed_locality or data.get("locality")
        starts, ends, day = data.get("starts"), data.get("ends"), data.get("date")
        if starts and ends and ends <= starts:
            self.add_error("ends", "The meeting must end after it starts")
        if locality is not None:
            facilitator = data.get("facilitator")
            if facilitator is not None and facilitator.locality_id != locality.pk:
                self.add_error("facilitator", "Choose someone from the meeting's locality")
            if self.fixed_locality is None:
                allowed = set(locality_medical_staff(locality.pk).values_list("pk", flat=True))
                if any(u.pk not in allowed for u in data.get("invited", [])):
                    self.add_error("invited", "Invite only medical staff of the meeting's locality")
        if day and starts and ends and ends > starts:
            tz = timezone.get_current_timezone()
            data["starts_at"] = timezone.make_aware(datetime.combine(day, starts), tz)
            data["ends_at"] = timezone.make_aware(datetime.combine(day, ends), tz)
        data["meeting_locality"] = locality
        return data


class TopicForm(GdsFormMixin, forms.Form):
    submit_label = "Add topic"

    text = forms.CharField(
        label="A topic you would like to talk about",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="No client names or health details: say 'a client of mine' instead.",
        error_messages={"required": "Enter the topic you would like to talk about"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper()


class NotesForm(GdsFormMixin, forms.Form):
    submit_label = "Save notes"

    notes = forms.CharField(
        label="Notes of the meeting",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Everyone who can see the meeting can read these: no client names or "
        "health details.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper()


class AttendanceForm(GdsFormMixin, forms.Form):
    submit_label = "Save attendance"

    volunteers = PeopleField(label="Volunteers", queryset=User.objects.none(), required=False)
    staff = PeopleField(label="Living Well staff", queryset=User.objects.none(), required=False)
    medical = PeopleField(label="Medical staff", queryset=User.objects.none(), required=False)
    guest_name = forms.CharField(
        label="Someone without an account (optional)",
        max_length=200,
        required=False,
        help_text="Their name and job, for example 'Dr Lowen, GP'.",
    )
    guest_role = forms.ChoiceField(
        label="They came as",
        choices=[(AttendeeRole.MEDICAL, "Medical staff"), (AttendeeRole.STAFF, "Staff")],
        initial=AttendeeRole.MEDICAL,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args, meeting, **kwargs):
        if "initial" not in kwargs:
            rows = list(meeting.attendance.all())
            if rows:
                initial = {
                    "volunteers": [r.user_id for r in rows if r.role == AttendeeRole.VOLUNTEER],
                    "staff": [r.user_id for r in rows if r.role == AttendeeRole.STAFF],
                    "medical": [r.user_id for r in rows if r.role == AttendeeRole.MEDICAL],
                }
            else:  # nothing recorded yet: start from who said they would come
                initial = {
                    "volunteers": list(
                        meeting.signups.values_list("volunteer__user_id", flat=True)
                    ),
                    "medical": list(meeting.invitations.values_list("user_id", flat=True)),
                }
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.guests = [r for r in meeting.attendance.all() if r.user_id is None]
        loc = meeting.locality_id
        self.fields["volunteers"].queryset = User.objects.filter(
            pk__in=locality_volunteers(loc).values("user_id")
        ).order_by("first_name", "last_name", "pk")
        self.fields["staff"].queryset = locality_staff(loc)
        invited = meeting.invitations.values("user_id")
        self.fields["medical"].queryset = (
            (
                User.objects.filter(pk__in=locality_medical_staff(loc).values("pk"))
                | User.objects.filter(pk__in=invited)
            )
            .distinct()
            .order_by("first_name", "last_name", "pk")
        )
        self.init_helper(
            Field.checkboxes("volunteers", small=True, legend_size="s"),
            Field.checkboxes("staff", small=True, legend_size="s"),
            Field.checkboxes("medical", small=True, legend_size="s"),
            "guest_name",
            Field.radios("guest_role", small=True, inline=True),
        )


class ActionForm(GdsFormMixin, forms.Form):
    submit_label = "Add action"

    description = forms.CharField(
        label="What needs doing", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = PersonChoiceField(label="Who will do it", queryset=User.objects.none())
    due_on = forms.DateField(
        label="By when (optional)",
        required=False,
        widget=date_widget(),
        error_messages={"invalid": "Enter a real date"},
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        loc = meeting.locality_id
        self.fields["owner"].queryset = (
            (
                facilitator_choices(loc)
                | User.objects.filter(pk__in=meeting.invitations.values("user_id"))
            )
            .distinct()
            .order_by("first_name", "last_name", "pk")
        )
        self.init_helper()


class MeetingFilterForm(forms.Form):
    """The meetings list's filter (GET). Bad values are reported and the defaults shown."""

    when = forms.ChoiceField(choices=[("upcoming", "Coming up"), ("past", "Past")], required=False)
    locality = SafeModelChoiceField(queryset=Locality.objects.all(), required=False)
