"""Volunteer meetings: the list, arranging one, signing up, topics, attendance, notes, actions.

Every meeting is read through ``peersupport.selectors`` (outside a user's scope: 404); every
change goes through ``peersupport.services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from livingwell.enums import Role
from livingwell.models import Locality

from . import services
from .enums import AttendeeRole
from .forms import ActionForm, AttendanceForm, MeetingFilterForm, MeetingForm, NotesForm, TopicForm
from .models import FollowUpAction
from .selectors import (
    can_manage_meetings,
    meeting_for,
    meeting_list_for,
    volunteer_profile,
)

PAGE_SIZE = 20


def _detail(meeting):
    return redirect("peersupport:meeting_detail", pk=meeting.pk)


@login_required
def meeting_list(request):
    form = MeetingFilterForm(request.GET or None)
    when, locality = "upcoming", None
    if form.is_bound and form.is_valid():
        when = form.cleaned_data["when"] or "upcoming"
        locality = form.cleaned_data["locality"]
    qs = meeting_list_for(request.user)
    now = timezone.now()
    if when == "past":
        qs = qs.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    else:
        qs = qs.filter(ends_at__gte=now).order_by("starts_at", "pk")
    if locality is not None:
        qs = qs.filter(locality=locality)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = f"when={when}" + (f"&locality={locality.pk}" if locality else "")
    may_arrange = can_manage_meetings(request.user, request.user.locality_id)
    return render(
        request,
        "peersupport/meetings/list.html",
        {
            "page": page,
            "when": when,
            "query": query,
            "filter_form": form,
            "may_arrange": may_arrange,
            "localities": (Locality.objects.all() if request.user.role == Role.ADMIN else None),
            "selected_locality": locality,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    user = request.user
    if not can_manage_meetings(user, user.locality_id):
        raise PermissionDenied
    fixed = None if user.role == Role.ADMIN else user.locality
    form = MeetingForm(request.POST or None, user=user, locality=fixed)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_create(
                locality=data["meeting_locality"],
                kind=data["kind"],
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                facilitator=data["facilitator"],
                invited=data["invited"],
                by=user,
            )
        except services.MeetingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{meeting.display_title} arranged.")
            return _detail(meeting)
    return render(
        request, "peersupport/meetings/form.html", {"form": form, "heading": "Arrange a meeting"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk):
    meeting = meeting_for(request.user, pk)
    if not can_manage_meetings(request.user, meeting.locality_id):
        raise PermissionDenied
    form = MeetingForm(
        request.POST or None, user=request.user, locality=meeting.locality, meeting=meeting
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                meeting=meeting,
                by=request.user,
                kind=data["kind"],
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                facilitator=data["facilitator"],
                invited=data["invited"],
            )
        except services.MeetingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Meeting changed.")
            return _detail(meeting)
    return render(
        request,
        "peersupport/meetings/form.html",
        {"form": form, "heading": "Change the meeting", "meeting": meeting},
    )


def _detail_context(request, meeting, **forms):
    user = request.user
    manage = can_manage_meetings(user, meeting.locality_id)
    volunteer = volunteer_profile(user)
    signups = list(meeting.signups.select_related("volunteer__user"))
    attendance = list(meeting.attendance.select_related("user"))
    by_role = {role: [] for role in AttendeeRole}
    for row in attendance:
        by_role[AttendeeRole(row.role)].append(row)
    ctx = {
        "meeting": meeting,
        "manage": manage,
        "started": meeting.has_started,
        "is_volunteer": volunteer is not None,
        "signed_up": volunteer is not None and any(s.volunteer_id == volunteer.pk for s in signups),
        "signups": signups,
        "topics": list(meeting.topics.select_related("raised_by")),
        "invitations": list(meeting.invitations.select_related("user")),
        "attendance_groups": [(role.label, by_role[role]) for role in AttendeeRole],
        "attendance_recorded": bool(attendance),
        "actions": list(meeting.actions.select_related("owner")),
        "topic_form": forms.get("topic_form") or TopicForm(),
        "action_form": forms.get("action_form")
        or (ActionForm(meeting=meeting) if manage else None),
        "form": forms.get("topic_form") or forms.get("action_form"),
        "today": timezone.localdate(),
    }
    return ctx


@login_required
def meeting_detail(request, pk):
    meeting = meeting_for(request.user, pk)
    return render(request, "peersupport/meetings/detail.html", _detail_context(request, meeting))


@login_required
@require_POST
def meeting_sign_up(request, pk):
    meeting = meeting_for(request.user, pk)
    volunteer = volunteer_profile(request.user)
    if volunteer is None or not request.user.has_perm("peersupport.add_meetingsignup"):
        raise PermissionDenied
    try:
        services.meeting_sign_up(meeting=meeting, volunteer=volunteer)
    except services.MeetingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "You are signed up. It is in your calendar feed too.")
    return _detail(meeting)


@login_required
@require_POST
def meeting_withdraw(request, pk):
    meeting = meeting_for(request.user, pk)
    volunteer = volunteer_profile(request.user)
    if volunteer is None or not request.user.has_perm("peersupport.delete_meetingsignup"):
        raise PermissionDenied
    try:
        services.meeting_withdraw(meeting=meeting, volunteer=volunteer)
    except services.MeetingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "You are no longer signed up for this meeting.")
    return _detail(meeting)


@login_required
@require_POST
def meeting_add_topic(request, pk):
    meeting = meeting_for(request.user, pk)
    if not request.user.has_perm("peersupport.add_meetingtopic"):
        raise PermissionDenied
    form = TopicForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_raise_topic(
                meeting=meeting, by=request.user, text=form.cleaned_data["text"]
            )
        except services.MeetingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Topic added. Thank you.")
        return _detail(meeting)
    return render(
        request,
        "peersupport/meetings/detail.html",
        _detail_context(request, meeting, topic_form=form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_attendance(request, pk):
    meeting = meeting_for(request.user, pk)
    if not can_manage_meetings(request.user, meeting.locality_id):
        raise PermissionDenied
    if not meeting.has_started:
        messages.error(request, "Attendance can be recorded once the meeting has started.")
        return _detail(meeting)
    form = AttendanceForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        guests = [
            (g.name, g.role)
            for g in form.guests
            if str(g.pk) not in request.POST.getlist("remove_guest")
        ]
        if data["guest_name"].strip():
            guests.append((data["guest_name"], data["guest_role"] or AttendeeRole.MEDICAL))
        services.meeting_record_attendance(
            meeting=meeting,
            by=request.user,
            volunteers=data["volunteers"],
            staff=data["staff"],
            medical=data["medical"],
            guests=guests,
        )
        messages.success(request, "Attendance saved.")
        return _detail(meeting)
    return render(
        request, "peersupport/meetings/attendance.html", {"form": form, "meeting": meeting}
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_notes(request, pk):
    meeting = meeting_for(request.user, pk)
    if not can_manage_meetings(request.user, meeting.locality_id):
        raise PermissionDenied
    if not meeting.has_started:
        messages.error(request, "Notes can be written once the meeting has started.")
        return _detail(meeting)
    form = NotesForm(request.POST or None, initial={"notes": meeting.notes})
    if request.method == "POST" and form.is_valid():
        services.meeting_set_notes(
            meeting=meeting, notes=form.cleaned_data["notes"], by=request.user
        )
        messages.success(request, "Notes saved.")
        return _detail(meeting)
    return render(request, "peersupport/meetings/notes.html", {"form": form, "meeting": meeting})


@login_required
@require_POST
def meeting_add_action(request, pk):
    meeting = meeting_for(request.user, pk)
    if not can_manage_meetings(request.user, meeting.locality_id):
        raise PermissionDenied
    form = ActionForm(request.POST, meeting=meeting)
    if form.is_valid():
        services.action_add(
            meeting=meeting,
            description=form.cleaned_data["description"],
            owner=form.cleaned_data["owner"],
            due_on=form.cleaned_data["due_on"],
            by=request.user,
        )
        messages.success(request, "Action added; its owner has been told.")
        return _detail(meeting)
    return render(
        request,
        "peersupport/meetings/detail.html",
        _detail_context(request, meeting, action_form=form),
    )


@login_required
@require_POST
def action_done(request, pk, action_pk):
    meeting = meeting_for(request.user, pk)
    action = get_object_or_404(FollowUpAction, meeting=meeting, pk=action_pk)
    if action.owner_id != request.user.pk and not can_manage_meetings(
        request.user, meeting.locality_id
    ):
        raise PermissionDenied
    services.action_complete(action=action, by=request.user)
    messages.success(request, "Action marked as done.")
    return redirect(reverse("peersupport:meeting_detail", args=[meeting.pk]) + "#actions")
