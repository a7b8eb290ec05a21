"""Reads of volunteer meetings, already scoped to the user asking. Every meeting query starts
here; a meeting outside the scope is a 404."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from livingwell.enums import LOCALITY_STAFF_ROLES, Role
from livingwell.models import User
from volunteers.enums import VolunteerStatus
from volunteers.models import Volunteer

from .models import MeetingAttendance, MeetingInvitation, MeetingSignUp, VolunteerMeeting

# Roles invited to volunteer meetings as medical staff (recommendation 4).
MEDICAL_ROLES = (Role.PRACTITIONER, Role.MDT_CHAIR)


def meetings_for(user) -> QuerySet[VolunteerMeeting]:
    """The meetings ``user`` may see.

    Volunteers, coordinators and team leaders: their locality's. Practitioners and MDT chairs:
    the meetings they were invited to or attended. Admins: all. Anyone else: none.
    """
    qs = VolunteerMeeting.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.role == Role.ADMIN:
        return qs
    if user.role in LOCALITY_STAFF_ROLES or user.role == Role.VOLUNTEER:
        if user.locality_id is None:
            return qs.none()
        return qs.filter(locality_id=user.locality_id)
    if user.role in MEDICAL_ROLES:
        invited = MeetingInvitation.objects.filter(meeting=OuterRef("pk"), user=user)
        attended = MeetingAttendance.objects.filter(meeting=OuterRef("pk"), user=user)
        return qs.filter(Exists(invited) | Exists(attended))
    return qs.none()


def meeting_list_for(user) -> QuerySet[VolunteerMeeting]:
    """``meetings_for`` with what the list shows, in a fixed number of queries."""
    qs = meetings_for(user).select_related("locality", "facilitator")
    qs = qs.annotate(
        signup_count=Count("signups", distinct=True),
        topic_count=Count("topics", distinct=True),
    )
    if user.role == Role.VOLUNTEER:
        qs = qs.annotate(
            signed_up=Exists(
                MeetingSignUp.objects.filter(meeting=OuterRef("pk"), volunteer__user=user)
            )
        )
    return qs


def meeting_for(user, pk) -> VolunteerMeeting:
    """One meeting the user may see, or 404."""
    return get_object_or_404(meetings_for(user).select_related("locality", "facilitator"), pk=pk)


def can_manage_meetings(user, locality_id) -> bool:
    """May ``user`` arrange meetings, record attendance and notes for this locality?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.ADMIN:
        return True
    return (
        user.role in LOCALITY_STAFF_ROLES
        and user.locality_id is not None
        and user.locality_id == locality_id
        and user.has_perm("peersupport.change_volunteermeeting")
    )


def volunteer_profile(user) -> Volunteer | None:
    if user.role != Role.VOLUNTEER:
        return None
    return Volunteer.objects.filter(user=user).first()


def locality_volunteers(locality_id) -> QuerySet[Volunteer]:
    return (
        Volunteer.objects.filter(locality_id=locality_id, status=VolunteerStatus.ACTIVE)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "pk")
    )


def locality_staff(locality_id) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, role__in=list(LOCALITY_STAFF_ROLES), locality_id=locality_id
    ).order_by("first_name", "last_name", "pk")


def locality_medical_staff(locality_id) -> QuerySet[User]:
    """Practitioners and MDT chairs who sit on the locality's practices."""
    return (
        User.objects.filter(is_active=True, role__in=list(MEDICAL_ROLES))
        .filter(Q(practices__locality_id=locality_id) | Q(locality_id=locality_id))
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def facilitator_choices(locality_id) -> QuerySet[User]:
    """Who may facilitate: the locality's staff, or one of its volunteers (a coffee morning
    is often run by a volunteer)."""
    return User.objects.filter(
        is_active=True,
        locality_id=locality_id,
        role__in=[*LOCALITY_STAFF_ROLES, Role.VOLUNTEER],
    ).order_by("first_name", "last_name", "pk")
