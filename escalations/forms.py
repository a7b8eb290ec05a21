"""Forms for observations, the triage queue and its actions, the directory, the rota, outcomes
and stories. Each takes the user (or the escalation) as a keyword-only argument."""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import Field, Size
from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator

from clients.selectors import CHOICE_COLUMNS, client_choices, clients_for, visible_client
from livingwell.enums import Role
from livingwell.forms import FixedChoiceField, FixedMultipleChoiceField, GdsFormMixin
from livingwell.models import Locality
from livingwell.prepared import MAX_ID

from .enums import (
    EscalationState,
    ObservationKind,
    ReferralChannel,
    ResponseKind,
    Urgency,
)
from .models import Service
from .selectors import (
    caller_client_choices,
    caller_for,
    callers_for,
    locality_staff,
    locality_staff_names,
)

TEXT_LIMIT = 4000

URGENCY_CHOICES = [
    Choice(
        Urgency.KEEP_AN_EYE,
        "Keep an eye",
        hint="Not worrying yet, but someone should know.",
    ),
    Choice(Urgency.WORRIED, "Worried", hint="Something should be done in the next day or two."),
    Choice(
        Urgency.URGENT,
        "Urgent",
        hint="Someone should look at it today. If anyone is in danger now, call 999 first.",
    ),
]


def _text(
    label: str, message: str = "", *, required=True, help_text="", max_length=TEXT_LIMIT, rows=4
):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=max_length,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": message or f"Enter {label[0].lower()}{label[1:]}"},
    )


class HiddenErrorsMixin:
    """A hidden field in error (a tampered or truncated post) has nowhere to show its message:
    say it once at the top instead."""

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return
        hidden = [f.name for f in self.hidden_fields() if f.name in self._errors]
        for name in hidden:
            del self._errors[name]
        if hidden:
            self.add_error(None, "This page was out of date. Reload it and try again.")


class _IdsChoiceField(forms.ModelMultipleChoiceField):
    """Refuses an id that is not a number a database key can hold before it reaches the
    database (an overlong one would make SQLite raise rather than match nothing)."""

    def _check_values(self, value):
        for pk in value:
            if not str(pk).isdecimal() or int(pk) >= 2**63:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


def _sent_id(value) -> int | None:
    """The id sent for a choice if it is a whole number a database key can hold, else None."""
    text = str(value).strip()
    return int(text) if text.isdecimal() and int(text) <= MAX_ID else None


def _sent_choice(field, value, lookup):
    """What ``lookup(id)`` finds for the id sent to a choice ``field``; the field's "invalid
    choice" for anything else (not a whole number, too large for a key, nothing found)."""
    pk = _sent_id(value)
    found = lookup(pk) if pk is not None else None
    if found is None:
        raise forms.ValidationError(
            field.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )
    return found


class _LazyChoices(ModelChoiceIterator):
    """Django's iterator of a field's choices, reading the field's queryset when the choices
    are drawn rather than when the iterator is made (Django's reads it at once)."""

    def __init__(self, field):
        self.field = field

    @property
    def queryset(self):
        return self.field.queryset


class _UserChoiceField(forms.ModelChoiceField):
    """A choice among what one user may choose. Given the user with ``for_user``, the field
    makes its queryset (``queryset_for``) only when something asks for it, drawing the choices
    for one; a value sent is checked by looking that one row up (``lookup``): building a
    queryset costs more than the lookup, and a form sent valid never draws its choices."""

    iterator = _LazyChoices
    user = None

    def for_user(self, user) -> None:
        self.user = user
        self.queryset = None

    def queryset_for(self, user):
        raise NotImplementedError

    def lookup(self, user, pk: int):
        raise NotImplementedError

    def _get_queryset(self):
        if self._queryset is None and self.user is not None:
            self._queryset = self.queryset_for(self.user)
        return self._queryset

    queryset = property(_get_queryset, forms.ModelChoiceField._set_queryset)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return _sent_choice(self, value, partial(self.lookup, self.user))


class _LazyClientChoices(_LazyChoices):
    """The clients of a field given its user: (id, name) rows read by ``client_choices``."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from client_choices(self.field.user)


class _ClientChoiceField(_UserChoiceField):
    """A choice of the clients a user may see (``clients_for``), a client sent checked with
    ``visible_client``: a volunteer's observation is sent far more often than the form is
    drawn again with an error."""

    iterator = _LazyClientChoices

    def queryset_for(self, user):
        return clients_for(user).only(*CHOICE_COLUMNS)

    def lookup(self, user, pk):
        return visible_client(user, pk)

    def label_from_instance(self, obj):
        return f"{obj.first_name} {obj.last_name}"


class ObservationForm(HiddenErrorsMixin, GdsFormMixin, forms.Form):
    """What a volunteer noticed. Phone-first: one column, big radios, few words."""

    submit_label = "Send"

    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    client = _ClientChoiceField(
        queryset=None,  # each form's: for_user (a queryset here is cloned for every form)
        label="Who is it about?",
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose who it is about",
            "invalid_choice": "Choose one of the people you visit",
        },
    )
    noticed = _text(
        "What did you notice?",
        "Enter what you noticed",
        help_text="In your own words: what you saw or heard.",
    )
    kind = FixedChoiceField(
        label="What is it about?",
        choices=ObservationKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what it is about"},
    )
    urgency = FixedChoiceField(
        label="How worried are you?",
        choices=URGENCY_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how worried you are"},
    )
    client_wants = _text(
        "What do they want?",
        required=False,
        help_text="What the person would like to happen, if they said.",
        rows=3,
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["client"].for_user(user)
        self.init_helper(layout=self.layout_fields)

    def layout_fields(self):
        return [
            "submission_key",
            Field.radios("client", legend_size=Size.MEDIUM),
            Field.textarea("noticed", label_size=Size.MEDIUM),
            Field.radios("kind", legend_size=Size.MEDIUM, small=True),
            Field.radios("urgency", legend_size=Size.MEDIUM),
            Field.textarea("client_wants", label_size=Size.MEDIUM),
        ]


class _CallerChoiceField(_UserChoiceField):
    """A choice of the user's callers (``callers_for``), a volunteer sent checked with
    ``caller_for``."""

    def queryset_for(self, user):
        return callers_for(user)

    def lookup(self, user, pk):
        return caller_for(user, pk)


def _caller_field(**kwargs):
    return _CallerChoiceField(
        queryset=None,  # each form's: for_user
        label="Which volunteer called?",
        error_messages={
            "required": "Choose the volunteer who called",
            "invalid_choice": "Choose a volunteer of your locality",
        },
        **kwargs,
    )


class CallerForm(GdsFormMixin, forms.Form):
    """Logging a call, first step (GET): which volunteer called. The observation form that
    follows offers only that volunteer's clients, not every client of the locality."""

    submit_label = "Continue"

    volunteer = _caller_field(
        empty_label="Choose a volunteer",
        help_text="Volunteers who visit someone now.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["volunteer"].for_user(user)
        self.init_helper(Field.select("volunteer"))

    @staticmethod
    def accepted(user, data):
        """The volunteer ``data`` names if this form would take them (one lookup, no form
        made: the second step of a call is loaded far more often than it is refused); None if
        the form would refuse them or ``data`` names no one."""
        pk = _sent_id(data.get("volunteer", ""))
        caller = caller_for(user, pk) if pk is not None else None
        return caller if caller is not None and caller.visits_anyone else None

    def clean_volunteer(self):
        volunteer = self.cleaned_data["volunteer"]
        if not volunteer.visits_anyone:
            raise forms.ValidationError(
                f"{volunteer} visits no one at the moment. Choose the volunteer who called "
                "about one of their clients."
            )
        return volunteer


class _CallerClientChoices(BaseChoiceIterator):
    """The choices of a phoned-in observation's client: the clients of the volunteer who
    called, read when the form is drawn (a form sent valid never reads them)."""

    def __init__(self, form):
        self.form = form

    def __iter__(self):
        volunteer = self.form.caller
        if volunteer is None:
            return
        yield from caller_client_choices(self.form.user, volunteer)


class StaffObservationForm(ObservationForm):
    """A team leader (or coordinator) writes down an observation a volunteer phoned in, for
    the volunteer chosen on the step before (``CallerForm``), about one of their clients."""

    volunteer = _caller_field(widget=forms.HiddenInput)
    by_phone = forms.BooleanField(
        label="The volunteer told me this on the phone", required=False, initial=True
    )

    def __init__(self, *args, user, caller=None, **kwargs):
        if caller is not None:
            kwargs.setdefault("initial", {})["volunteer"] = caller.pk
        super().__init__(*args, user=user, **kwargs)
        self._caller = caller
        client = self.fields["client"]
        client.label = "Which client is it about?"
        client.error_messages = {
            **client.error_messages,
            "required": "Choose which client it is about",
            "invalid_choice": "Choose one of the clients of the volunteer who called",
        }
        # Checked against the clients the user sees, their locality's (one lookup of the
        # client sent); drawn from the caller's own.
        client.choices = _CallerClientChoices(self)
        self.fields["volunteer"].for_user(user)

    @property
    def caller(self):
        """The volunteer who called: given on the step before, or sent with the form (once
        it is checked); None if what was sent is not one of the user's volunteers."""
        if self._caller is None and self.is_bound:
            self._caller = getattr(self, "cleaned_data", {}).get("volunteer")
        return self._caller

    def layout_fields(self):
        fields = super().layout_fields()
        return [fields[0], "volunteer", "by_phone", *fields[1:]]

    def clean(self):
        cleaned = super().clean()
        volunteer, client = cleaned.get("volunteer"), cleaned.get("client")
        if (
            volunteer
            and client
            and not volunteer.assignments.filter(client=client, ended_on__isnull=True).exists()
        ):
            self.add_error("client", f"{volunteer} does not visit {client}. Choose their client.")
        return cleaned


class TriageFilterForm(forms.Form):
    """The queue's filters (GET). Invalid values are ignored, never an error page."""

    CHECKBOX_FIELDS = ("kind", "urgency", "state")

    kind = FixedMultipleChoiceField(
        choices=ObservationKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    urgency = FixedMultipleChoiceField(
        choices=Urgency.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    state = FixedMultipleChoiceField(
        choices=EscalationState.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: every open escalation.",
    )
    owner = forms.ChoiceField(required=False, label="Owner")
    overdue = forms.BooleanField(required=False, label="Only overdue")
    locality = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Every locality"
    )  # an admin's (every locality); removed for anyone else

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        staff = []
        if user.locality_id:
            staff = [(str(u.pk), str(u)) for u in locality_staff_names(user.locality_id)]
        self.fields["owner"].choices = [
            ("", "Anyone"),
            ("me", "Me"),
            ("none", "Nobody yet"),
            *staff,
        ]
        if user.role == Role.ADMIN:
            self.fields["locality"].queryset = Locality.objects.all()
        else:
            del self.fields["locality"]

    def checkbox_groups(self) -> list[dict]:
        """The checkbox filters, each option with its id and whether it is ticked, for a
        template loop: iterating the bound fields' subwidgets built a widget context per option,
        the larger part of the queue page's cost."""
        groups = []
        for name in self.CHECKBOX_FIELDS:
            bound = self[name]
            ticked = {str(v) for v in bound.value() or ()}
            options = [
                (f"id_{name}_{i}", value, label, str(value) in ticked)
                for i, (value, label) in enumerate(bound.field.choices)
            ]
            groups.append({"name": name, "label": bound.label, "options": options})
        return groups

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = dict(self.cleaned_data)
        owner = data.get("owner")
        if owner and owner.isdecimal():
            data["owner"] = locality_staff(self.user.locality_id).filter(pk=owner).first()
        return data


class VersionedForm(HiddenErrorsMixin, GdsFormMixin, forms.Form):
    """An action on an escalation, carrying the version the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, escalation, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", escalation.version)
        super().__init__(*args, **kwargs)
        self.escalation = escalation
        self.init_helper()


class AcceptForm(VersionedForm):
    submit_label = "Accept: I will look into it"


class RerouteForm(VersionedForm):
    submit_label = "Re-route"

    owner = forms.ModelChoiceField(
        queryset=None,
        label="Who should triage it?",
        error_messages={"required": "Choose who should triage it"},
    )
    service = forms.ModelChoiceField(
        queryset=None, required=False, label="Service (optional)", empty_label="No service yet"
    )
    reason = _text("Why re-route it?", "Say why you are re-routing it", rows=2, max_length=1000)

    def __init__(self, *args, escalation, **kwargs):
        super().__init__(*args, escalation=escalation, **kwargs)
        self.fields["owner"].queryset = locality_staff(escalation.locality_id)
        self.fields["service"].queryset = Service.objects.filter(
            active=True, localities__id=escalation.locality_id
        ).distinct()


class ReferForm(VersionedForm):
    submit_label = "Record the referral"

    service = forms.ModelChoiceField(
        queryset=None,
        label="Which service?",
        error_messages={"required": "Choose the service"},
    )
    channel = forms.ChoiceField(
        label="How was it sent?",
        choices=ReferralChannel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it was sent"},
    )
    what_was_shared = _text(
        "What was shared?",
        "Enter what was shared with the service",
        help_text="Exactly what the service was told about the client: it is kept as sent.",
    )
    sent_at = forms.DateTimeField(
        label="When was it sent?",
        required=False,
        help_text="Leave empty for now. For example 2026-11-27 14:30.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        error_messages={"invalid": "Enter the date and time it was sent, like 2026-11-27 14:30"},
    )
    without_consent_reason = _text(
        "Why share without the client's consent?",
        required=False,
        rows=2,
        max_length=1000,
        help_text=(
            "Only if the client has not consented to sharing with partners: for example a "
            "safeguarding concern or a risk to their life."
        ),
    )

    def __init__(self, *args, escalation, **kwargs):
        super().__init__(*args, escalation=escalation, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(
            active=True, localities__id=escalation.locality_id
        ).distinct()
        self.init_helper(
            "version",
            Field.select("service"),
            Field.radios("channel", small=True, inline=False),
            Field.textarea("what_was_shared"),
            Field.text("sent_at", field_width=20),
            Field.textarea("without_consent_reason"),
        )

    def clean_sent_at(self):
        sent_at = self.cleaned_data.get("sent_at")
        if sent_at and sent_at > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError("The time it was sent cannot be in the future")
        return sent_at


class MdtForm(VersionedForm):
    submit_label = "Put forward to the MDT"

    reason = _text(
        "Why should the MDT discuss it?",
        "Say why the MDT should discuss it",
        rows=3,
        max_length=2000,
        help_text="The practice's MDT chair sees this when building the agenda.",
    )


class CloseForm(VersionedForm):
    submit_label = "Close with this outcome"

    summary = _text(
        "What happened?", "Enter what happened", help_text="For staff: the full account."
    )
    message_for_volunteer = _text(
        "Message for the volunteer",
        "Enter a message for the volunteer",
        help_text=(
            "Plain words, with no more health detail than they need. For example: 'Thank you: "
            "the district nurse visited and is keeping an eye on her.'"
        ),
        max_length=2000,
    )
    went_well = forms.TypedChoiceField(
        label="Did it go well?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether it went well"},
    )

    def __init__(self, *args, escalation, **kwargs):
        super().__init__(*args, escalation=escalation, **kwargs)
        self.init_helper(
            "version",
            Field.textarea("summary"),
            Field.textarea("message_for_volunteer"),
            Field.radios("went_well", inline=True),
        )


class AskForm(GdsFormMixin, forms.Form):
    submit_label = "Ask the volunteer"

    text = _text("Your question for the volunteer", "Enter your question", rows=3, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper()


class AnswerForm(GdsFormMixin, forms.Form):
    submit_label = "Send your answer"

    text = _text("Your answer", "Enter your answer", rows=3, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper()


class OutcomeResponseForm(GdsFormMixin, forms.Form):
    submit_label = "Send"

    kind = forms.ChoiceField(
        label="Would you like to reply?",
        choices=[
            (ResponseKind.THANKS, "Say thank you"),
            (ResponseKind.QUESTION, "Ask a question about it"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose to say thank you or to ask a question"},
    )
    text = _text(
        "Your message",
        required=False,
        rows=3,
        max_length=2000,
        help_text="Needed for a question; optional with a thank you.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper(Field.radios("kind"), Field.textarea("text"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == ResponseKind.QUESTION and not cleaned.get("text"):
            self.add_error("text", "Write your question")
        return cleaned


class ReplyForm(GdsFormMixin, forms.Form):
    submit_label = "Send the reply"

    text = _text("Your reply to the volunteer", "Enter your reply", rows=3, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper()


class StoryForm(GdsFormMixin, forms.Form):
    submit_label = "Save the story"

    title = forms.CharField(
        label="Title",
        max_length=120,
        strip=True,
        error_messages={"required": "Enter a title"},
    )
    body = _text(
        "The story",
        "Enter the story",
        rows=8,
        help_text=(
            "Anonymised: no names, address, postcode, NHS number or date of birth. Say what "
            "the volunteer noticed and what came of it."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper(Field.text("title"), Field.textarea("body"))


class ServiceForm(GdsFormMixin, forms.ModelForm):
    submit_label = "Save the service"

    kinds = forms.MultipleChoiceField(
        label="What it handles",
        choices=ObservationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one kind of observation"},
    )
    localities = _IdsChoiceField(
        queryset=Locality.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label="Localities it covers",
        error_messages={"required": "Choose at least one locality"},
    )

    class Meta:
        model = Service
        fields = [
            "name",
            "is_medical",
            "kinds",
            "localities",
            "contact_name",
            "phone",
            "email",
            "organisation",
            "helps_with",
            "hours",
            "active",
        ]
        labels = {"is_medical": "A medical service", "active": "In use"}
        error_messages = {"name": {"required": "Enter the service's name"}}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["contact_name"].required = True
        self.fields["contact_name"].error_messages["required"] = "Enter who to call"
        self.fields["phone"].required = True
        self.fields["phone"].error_messages["required"] = "Enter their phone number"
        self.fields["helps_with"].widget = forms.Textarea(attrs={"rows": 3})
        self.init_helper(
            Field.text("name"),
            "is_medical",
            Field.checkboxes("kinds", small=True),
            Field.checkboxes("localities", small=True),
            Field.text("contact_name"),
            Field.text("phone", field_width=20),
            Field.text("email"),
            Field.text("organisation"),
            Field.textarea("helps_with"),
            Field.text("hours"),
            "active",
        )

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        digits = [c for c in phone if c.isdigit()]
        if len(digits) < 3 or any(not (c.isdigit() or c in " +()-") for c in phone):
            raise forms.ValidationError("Enter a phone number, like 01872 123456")
        return phone

    def clean_localities(self):
        localities = self.cleaned_data["localities"]
        if self.user.role == Role.COORDINATOR and self.user.locality_id not in {
            loc.pk for loc in localities
        }:
            raise forms.ValidationError(
                f"A service you add or change must cover {self.user.locality}"
            )
        return localities


class ServiceFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    kind = forms.ChoiceField(
        required=False, choices=[("", "Any"), *ObservationKind.choices], label="Handles"
    )
    medical = forms.ChoiceField(
        required=False,
        choices=[("", "Medical and non-medical"), ("yes", "Medical"), ("no", "Non-medical")],
        label="Medical or not",
    )
    locality = forms.ModelChoiceField(
        queryset=Locality.objects.all(), required=False, empty_label="My locality"
    )


class ShiftForm(GdsFormMixin, forms.Form):
    submit_label = "Add the shift"

    team_leader = forms.ModelChoiceField(
        queryset=None,
        label="Team leader",
        error_messages={"required": "Choose the team leader"},
    )
    starts_at = forms.DateTimeField(
        label="Starts",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        error_messages={
            "required": "Enter when the shift starts",
            "invalid": "Enter when the shift starts, like 2026-11-27 09:00",
        },
    )
    ends_at = forms.DateTimeField(
        label="Ends",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        error_messages={
            "required": "Enter when the shift ends",
            "invalid": "Enter when the shift ends, like 2026-11-27 17:00",
        },
    )

    def __init__(self, *args, locality, **kwargs):
        super().__init__(*args, **kwargs)
        from livingwell.models import User

        self.fields["team_leader"].queryset = User.objects.filter(
            locality=locality, role=Role.TEAM_LEADER, is_active=True
        )
        self.init_helper(
            Field.select("team_leader"),
            Field.text("starts_at", field_width=20),
            Field.text("ends_at", field_width=20),
        )

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends:
            if ends <= starts:
                self.add_error("ends_at", "The shift must end after it starts")
            elif ends - starts > timedelta(days=7):
                self.add_error("ends_at", "A shift can be at most 7 days long")
        return cleaned
