"""factory_boy factories for every model, in one place."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from clients.enums import ConsentAction, ConsentMethod, ConsentScope
from clients.models import Assignment, Client, ConsentRecord, Need
from escalations.enums import URGENCY_RANK, ObservationKind, Urgency
from escalations.models import Escalation, Observation, OnCallShift, RoutingRule, Service
from livingwell.enums import Role
from livingwell.models import Locality, Practice, User
from livingwell.services import user_set_role
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
from volunteers.enums import MdtWish, TrainingModule
from volunteers.models import (
    AgreementSignature,
    ConfidentialityAgreement,
    TrainingRecord,
    Volunteer,
)

PASSWORD = "correct-horse-battery"  # noqa: S105


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Locality {n}")
    slug = factory.Sequence(lambda n: f"locality-{n}")


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    ods_code = factory.Sequence(lambda n: f"P{n:05d}")
    locality = factory.SubFactory(LocalityFactory)
    volunteers_may_attend_mdt = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.COORDINATOR
    locality = factory.SubFactory(LocalityFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def sync_role(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            user_set_role(user=obj, role=obj.role)

    @factory.post_generation
    def practices(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.practices.set(extracted)


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer

    user = factory.SubFactory(
        UserFactory, role=Role.VOLUNTEER, locality=factory.SelfAttribute("..locality")
    )
    locality = factory.SubFactory(LocalityFactory)
    mdt_wish = MdtWish.YES


class ConfidentialityAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConfidentialityAgreement

    version = factory.Sequence(lambda n: f"v{n}")
    text = "I keep what I hear about clients to myself."
    in_force_from = dt.date(2025, 1, 1)


class AgreementSignatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementSignature

    volunteer = factory.SubFactory(VolunteerFactory)
    agreement = factory.SubFactory(ConfidentialityAgreementFactory)
    signed_on = factory.LazyFunction(timezone.localdate)


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    volunteer = factory.SubFactory(VolunteerFactory)
    module = TrainingModule.MEDICALLY_AWARE
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=335))


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = dt.date(1938, 5, 17)
    practice = factory.SubFactory(PracticeFactory)
    locality = factory.SelfAttribute("practice.locality")
    address = "1 Fore Street, Penzance"
    postcode = "TR18 2AA"


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    client = factory.SubFactory(ClientFactory)
    kind = "non_medical"
    description = "Lift to the surgery"


class AssignmentFactory(factory.django.DjangoModelFactory):
    """An open assignment. Prefer ``clients.services`` in tests of access: it grants the
    object permission; this factory only makes the row."""

    class Meta:
        model = Assignment

    client = factory.SubFactory(ClientFactory)
    volunteer = factory.SubFactory(
        VolunteerFactory, locality=factory.SelfAttribute("..client.locality")
    )


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    client = factory.SubFactory(ClientFactory)
    scope = ConsentScope.SHARE_WITH_PARTNERS
    action = ConsentAction.GIVEN
    method = ConsentMethod.SPOKEN
    privacy_notice_version = "2025-1"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Service {n}")
    is_medical = False
    kinds = factory.LazyFunction(lambda: [ObservationKind.TRANSPORT])
    contact_name = "Sam Carter"
    phone = "01872 000000"

    @factory.post_generation
    def localities(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.localities.set(extracted)


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    service = factory.SubFactory(ServiceFactory)


class OnCallShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnCallShift

    locality = factory.SubFactory(LocalityFactory)
    team_leader = factory.SubFactory(
        UserFactory, role=Role.TEAM_LEADER, locality=factory.SelfAttribute("..locality")
    )
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=7))


class ObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Observation

    client = factory.SubFactory(ClientFactory)
    volunteer = factory.SubFactory(
        VolunteerFactory, locality=factory.SelfAttribute("..client.locality")
    )
    logged_by = factory.SelfAttribute("volunteer.user")
    kind = ObservationKind.TRANSPORT
    urgency = Urgency.WORRIED
    noticed = "She has missed two appointments because the bus no longer runs."
    client_wants = "A lift to the surgery"


class EscalationFactory(factory.django.DjangoModelFactory):
    """A bare escalation row. Tests of behaviour should go through the services."""

    class Meta:
        model = Escalation

    observation = factory.SubFactory(ObservationFactory)
    locality = factory.SelfAttribute("observation.client.locality")
    kind = factory.SelfAttribute("observation.kind")
    urgency = factory.SelfAttribute("observation.urgency")
    urgency_rank = factory.LazyAttribute(lambda e: URGENCY_RANK[e.urgency])


# --- peersupport ------------------------------------------------------------------------------


class VolunteerMeetingFactory(factory.django.DjangoModelFactory):
    """A meeting a week from now; pass ``starts_at`` in the past for a held one."""

    class Meta:
        model = VolunteerMeeting

    locality = factory.SubFactory(LocalityFactory)
    kind = MeetingKind.COFFEE_MORNING
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + dt.timedelta(hours=2))
    place = "The Honey Pot, Penzance"


class MeetingSignUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingSignUp

    meeting = factory.SubFactory(VolunteerMeetingFactory)
    volunteer = factory.SubFactory(
        VolunteerFactory, locality=factory.SelfAttribute("..meeting.locality")
    )


class MeetingInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingInvitation

    meeting = factory.SubFactory(VolunteerMeetingFactory)
    user = factory.SubFactory(
        UserFactory, role=Role.PRACTITIONER, locality=factory.SelfAttribute("..meeting.locality")
    )


class MeetingTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingTopic

    meeting = factory.SubFactory(VolunteerMeetingFactory)
    raised_by = factory.SubFactory(
        UserFactory, role=Role.VOLUNTEER, locality=factory.SelfAttribute("..meeting.locality")
    )
    text = "Getting to the surgery since the bus changed"


class MeetingAttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingAttendance

    meeting = factory.SubFactory(VolunteerMeetingFactory)
    user = factory.SubFactory(
        UserFactory, role=Role.VOLUNTEER, locality=factory.SelfAttribute("..meeting.locality")
    )
    role = AttendeeRole.VOLUNTEER


class FollowUpActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpAction

    meeting = factory.SubFactory(VolunteerMeetingFactory)
    description = "Send round the leaflet"
    owner = factory.SubFactory(
        UserFactory, role=Role.COORDINATOR, locality=factory.SelfAttribute("..meeting.locality")
    )


# --- mdt --------------------------------------------------------------------------------------


class MdtMeetingFactory(factory.django.DjangoModelFactory):
    """A draft MDT a week from now. Build agendas through ``mdt.services``."""

    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    practice = factory.SubFactory(PracticeFactory)
    chair = factory.SubFactory(
        UserFactory, role=Role.MDT_CHAIR, locality=factory.SelfAttribute("..practice.locality")
    )
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + dt.timedelta(days=7)).replace(
            hour=13, minute=0, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + dt.timedelta(hours=2))
    place = "Practice meeting room"
    state = MeetingState.DRAFT
    created_by = factory.SelfAttribute("chair")

    @factory.post_generation
    def chair_sits_on_practice(obj, create, extracted, **kwargs):
        if create:
            obj.chair.practices.add(obj.practice)


class StandingMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StandingMember

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Faker("name")
    member_role = MemberRole.DISTRICT_NURSE


class MeetingMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingMember

    meeting = factory.SubFactory(MdtMeetingFactory)
    name = factory.Faker("name")
    member_role = MemberRole.GP


class AgendaItemFactory(factory.django.DjangoModelFactory):
    """A bare agenda row (no eligibility check): use ``mdt.services.item_add`` for behaviour."""

    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MdtMeetingFactory)
    escalation = factory.SubFactory(
        EscalationFactory,
        observation__client__practice=factory.SelfAttribute("....meeting.practice"),
    )
    client = factory.SelfAttribute("escalation.observation.client")
    added_by = factory.SelfAttribute("meeting.chair")
    reason = "Two falls in a month"


class PlanActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanAction

    item = factory.SubFactory(AgendaItemFactory)
    description = "Review her medication"
    owner_name = "Dr Jones"
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))
    created_by = factory.SelfAttribute("item.meeting.chair")
