"""MDT pages: the meetings, their agenda (in the page, as a PDF and as a calendar invite),
members, and what the meeting decides for each item.

Every meeting is read through ``mdt.selectors`` (outside a user's scope: 404); how much of it
a user sees is ``selectors.audience``: members the whole agenda, an attending volunteer their
own items only, in every format. Every change goes through ``mdt.services``.
"""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from escalations.enums import EscalationState
from escalations.services import EscalationError
from livingwell.enums import Role

from . import selectors, services
from .eligibility import attendance_failures_for, describe
from .enums import CORE_MEMBER_ROLES, MeetingState
from .forms import ActionForm, CloseForm, ItemAddForm, MeetingForm, MemberForm, PlanForm, WhenForm
from .models import AgendaItem, PlanAction, StandingMember
from .selectors import MEMBER, VOLUNTEER

PAGE_SIZE = 20


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


def _meeting(request, pk: int, *, edit: bool = False):
    """The meeting if the user may open it (else 404) and how much of it they see; with
    ``edit``, only for those who run the practice's MDTs (else 403)."""
    found = selectors.meeting_page_for(request.user, pk)
    if found is None:
        raise Http404
    meeting, who = found
    if edit and not selectors.may_edit_found(request.user, who):
        raise PermissionDenied
    return meeting, who


def _item(request, item_pk: int, *, edit: bool = False) -> AgendaItem:
    """An agenda item for members of its meeting only (volunteers and outsiders: 404)."""
    item = get_object_or_404(
        AgendaItem.objects.select_related(
            "meeting__practice",
            "meeting__chair",
            "client",
            "escalation__observation__volunteer__user",
            "volunteer__user",
            "key_worker",
        ).filter(meeting__in=selectors.meetings_for(request.user)),
        pk=item_pk,
    )
    if selectors.audience(request.user, item.meeting) != MEMBER:
        raise Http404
    if edit and not selectors.can_edit(request.user, item.meeting):
        raise PermissionDenied
    return item


def _posted(request):
    """The POST data to bind a form to, even when empty (an empty post must show errors)."""
    return request.POST if request.method == "POST" else None


def _detail(meeting):
    return redirect("mdt:meeting_detail", pk=meeting.pk)


def _item_detail(item, anchor: str = ""):
    return redirect(reverse("mdt:item_detail", args=[item.pk]) + anchor)


def _split_members(members):
    core = [m for m in members if m.member_role in CORE_MEMBER_ROLES]
    additional = [m for m in members if m.member_role not in CORE_MEMBER_ROLES]
    return core, additional


def _agenda(request, meeting, who) -> dict:
    """What the agenda shows, in the page, the printout and the PDF alike: a fixed number of
    queries whatever the number of items."""
    items = selectors.agenda(meeting, request.user, who)
    ctx = {
        "meeting": meeting,
        "who": who,
        "is_member": who == MEMBER,
        "volunteer_items": [i for i in items if i.volunteer_id],
        "other_items": [i for i in items if not i.volunteer_id] if who == MEMBER else [],
        "protocol": meeting.practice.confidentiality_protocol,
    }
    if who == MEMBER:
        ctx["core_members"], ctx["additional_members"] = _split_members(
            selectors.members_of(meeting)
        )
    return ctx


# ---- meetings ------------------------------------------------------------------------------


@login_required
def meeting_list(request):
    user = request.user
    _require(user, "mdt.view_meeting")
    form = WhenForm(request.GET or None)
    when = "coming"
    if form.is_bound and form.is_valid():
        when = form.cleaned_data["when"] or "coming"
    page = Paginator(selectors.meeting_list(user, when=when), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    editable = (
        list(selectors.editable_practices_for(user).order_by("name"))
        if user.has_perm("mdt.add_meeting")
        else []
    )
    return render(
        request,
        "mdt/meetings/list.html",
        {
            "page": page,
            "when": when,
            "query": f"when={when}",
            "filter_form": form,
            "editable_practices": editable,
            "is_volunteer": user.role == Role.VOLUNTEER,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    user = request.user
    _require(user, "mdt.add_meeting")
    if not selectors.editable_practices_for(user).exists():
        raise PermissionDenied
    form = MeetingForm(_posted(request), user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_create(
                practice=data["meeting_practice"],
                chair=data["chair"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                volunteers_leave_at=data["volunteers_leave_at"],
                place=data["place"],
                call_link=data["call_link"],
                notes=data["notes"],
                by=user,
            )
        except services.MdtError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Meeting arranged, with the practice's standing members.")
            return _detail(meeting)
    return render(request, "mdt/meetings/form.html", {"form": form, "heading": "Arrange an MDT"})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk):
    meeting, _ = _meeting(request, pk, edit=True)
    if meeting.state == MeetingState.HELD:
        messages.error(request, "This meeting has been held; it can no longer change.")
        return _detail(meeting)
    form = MeetingForm(_posted(request), user=request.user, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                meeting=meeting,
                by=request.user,
                chair=data["chair"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                volunteers_leave_at=data["volunteers_leave_at"],
                place=data["place"],
                call_link=data["call_link"],
                notes=data["notes"],
            )
        except services.MdtError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Meeting changed.")
            return _detail(meeting)
    return render(
        request,
        "mdt/meetings/form.html",
        {"form": form, "heading": "Change the meeting", "meeting": meeting},
    )


@login_required
def meeting_detail(request, pk):
    meeting, who = _meeting(request, pk)
    ctx = _agenda(request, meeting, who)
    ctx["can_edit"] = selectors.may_edit_found(request.user, who)
    return render(request, "mdt/meetings/detail.html", ctx)


@login_required
def meeting_pdf(request, pk):
    from weasyprint import HTML

    meeting, who = _meeting(request, pk)
    html = render_to_string("mdt/meetings/agenda_pdf.html", _agenda(request, meeting, who))
    pdf = HTML(string=html, base_url=settings.SITE_URL).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="mdt-{meeting.pk}-agenda.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def meeting_ics(request, pk):
    """One event for this meeting; a volunteer's ends when volunteers leave and lists only
    their own items. An invite leaves the app (calendar programs sync it to other services),
    so it holds each client's initials, never a name or an NHS number: the agenda behind the
    sign-in has those."""
    from icalendar import Calendar, Event

    meeting, who = _meeting(request, pk)
    items = list(selectors.agenda_items(meeting, request.user, who))
    ends = meeting.ends_at
    if who == VOLUNTEER and meeting.volunteers_leave_at:
        ends = meeting.volunteers_leave_at
    url = settings.SITE_URL + reverse("mdt:meeting_detail", args=[meeting.pk])
    if who == MEMBER:
        lines = ["Multidisciplinary team meeting. Agenda:"]
        lines += [f"{i.position}. {_initials(i.client)}" for i in items]
    else:
        lines = ["You attend for your client:"]
        lines += [f"- {_initials(i.client)}" for i in items]
        if meeting.volunteers_leave_at:
            local = timezone.localtime(meeting.volunteers_leave_at)
            lines.append(f"Volunteers leave at {local:%H:%M}.")
        lines.append("Please keep everything you hear at the meeting confidential.")
    if meeting.call_link:
        lines.append(f"Call link: {meeting.call_link}")
    lines += ["", url]

    cal = Calendar()
    cal.add("prodid", "-//Living Well//MDT invite//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"mdt-{meeting.pk}@livingwell")
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", ends.astimezone(UTC))
    event.add("summary", f"MDT, {meeting.practice}")
    if meeting.place or meeting.call_link:
        event.add("location", meeting.place or meeting.call_link)
    event.add("description", "\n".join(lines))
    event.add("url", url)
    cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mdt-{meeting.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


def _initials(client) -> str:
    return "".join(f"{part[:1].upper()}." for part in (client.first_name, client.last_name) if part)


@login_required
@require_POST
def meeting_publish(request, pk):
    meeting, _ = _meeting(request, pk, edit=True)
    try:
        dropped = services.meeting_publish(meeting=meeting, by=request.user)
    except services.MdtError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Agenda published: members and attending volunteers are told.")
        for item in dropped:
            messages.warning(
                request,
                f"{item.client}'s volunteer no longer attends (item {item.position}). "
                f"{item.volunteer_note}",
            )
    return _detail(meeting)


@login_required
@require_POST
def meeting_held(request, pk):
    meeting, _ = _meeting(request, pk, edit=True)
    try:
        services.meeting_mark_held(meeting=meeting, by=request.user)
    except services.MdtError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Meeting marked as held.")
    return _detail(meeting)


# ---- members -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_members(request, pk):
    meeting, _ = _meeting(request, pk, edit=True)
    form = MemberForm(_posted(request), practice=meeting.practice)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.member_add(
                meeting=meeting,
                by=request.user,
                name=data["name"].strip(),
                member_role=data["member_role"],
                user=data["user"],
                email=data["email"],
            )
        except services.MdtError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{member} added.")
            return redirect("mdt:meeting_members", pk=meeting.pk)
    core, additional = _split_members(list(meeting.members.select_related("user")))
    return render(
        request,
        "mdt/meetings/members.html",
        {"meeting": meeting, "form": form, "core_members": core, "additional_members": additional},
    )


@login_required
@require_POST
def member_remove(request, pk, member_pk):
    meeting, _ = _meeting(request, pk, edit=True)
    member = get_object_or_404(meeting.members, pk=member_pk)
    member.meeting = meeting
    try:
        services.member_remove(member=member, by=request.user)
    except services.MdtError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{member} removed.")
    return redirect("mdt:meeting_members", pk=meeting.pk)


@login_required
@require_http_methods(["GET", "POST"])
def standing_members(request, practice_pk):
    user = request.user
    practice = get_object_or_404(selectors.practices_for(user), pk=practice_pk)
    if not selectors.editable_practices_for(user).filter(pk=practice.pk).exists():
        raise PermissionDenied
    form = MemberForm(_posted(request), practice=practice)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.standing_member_add(
                practice=practice,
                by=user,
                name=data["name"].strip(),
                member_role=data["member_role"],
                user=data["user"],
                email=data["email"],
            )
        except services.MdtError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{member.name} added; they join each new meeting.")
            return redirect("mdt:standing_members", practice_pk=practice.pk)
    core, additional = _split_members(list(practice.mdt_standing.select_related("user")))
    return render(
        request,
        "mdt/standing/list.html",
        {
            "practice": practice,
            "form": form,
            "core_members": core,
            "additional_members": additional,
        },
    )


@login_required
@require_POST
def standing_member_remove(request, member_pk):
    user = request.user
    member = get_object_or_404(
        StandingMember.objects.select_related("practice"),
        pk=member_pk,
        practice__in=selectors.practices_for(user),
    )
    if not selectors.editable_practices_for(user).filter(pk=member.practice_id).exists():
        raise PermissionDenied
    services.standing_member_remove(member=member, by=user)
    messages.success(request, f"{member.name} is no longer a standing member.")
    return redirect("mdt:standing_members", practice_pk=member.practice_id)


# ---- the agenda ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def item_add(request, pk):
    meeting, _ = _meeting(request, pk, edit=True)
    if meeting.state == MeetingState.HELD:
        messages.error(request, "This meeting has been held; its agenda can no longer change.")
        return _detail(meeting)
    form = ItemAddForm(_posted(request), meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item, failures = services.item_add(
                meeting=meeting,
                escalation=data["escalation"],
                by=request.user,
                reason=data["reason"],
                volunteer_attends=data["volunteer_attends"],
            )
        except services.MdtError as exc:
            form.add_error("escalation", str(exc))
        else:
            if failures:
                messages.warning(
                    request,
                    f"{item.client} is on the agenda without their volunteer. {describe(failures)}",
                )
            else:
                messages.success(request, f"{item.client} is on the agenda.")
            return _detail(meeting)
    waiting = list(form.fields["escalation"].queryset)
    answers = attendance_failures_for(
        practice=meeting.practice,
        cases=[(e.observation.volunteer, e.observation.client) for e in waiting],
    )
    candidates = list(zip(waiting, answers, strict=True))
    return render(
        request,
        "mdt/meetings/item_add.html",
        {"meeting": meeting, "form": form, "candidates": candidates},
    )


@login_required
@require_POST
def item_volunteer(request, item_pk):
    item = _item(request, item_pk, edit=True)
    attends = request.POST.get("attends") == "yes"
    try:
        failures = services.item_set_volunteer(item=item, by=request.user, attends=attends)
    except services.MdtError as exc:
        messages.error(request, str(exc))
    else:
        if failures:
            messages.error(
                request, f"{item.client}'s volunteer cannot attend. {describe(failures)}"
            )
        elif attends:
            messages.success(request, f"{item.client}'s volunteer attends for this item.")
        else:
            messages.success(request, f"{item.client}'s volunteer no longer attends.")
    return _detail(item.meeting)


@login_required
@require_POST
def item_remove(request, item_pk):
    item = _item(request, item_pk, edit=True)
    try:
        services.item_remove(item=item, by=request.user)
    except services.MdtError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{item.client} is off the agenda.")
    return _detail(item.meeting)


# ---- at the meeting ------------------------------------------------------------------------


@login_required
def item_detail(request, item_pk):
    item = _item(request, item_pk)
    escalation = item.escalation
    outcome = escalation.outcome if escalation.state == EscalationState.CLOSED else None
    return render(
        request,
        "mdt/items/detail.html",
        {
            "item": item,
            "meeting": item.meeting,
            "escalation": escalation,
            "outcome": outcome,
            "actions": list(item.actions.select_related("owner")),
            "can_edit": selectors.can_edit(request.user, item.meeting),
            "can_mark_done": request.user.has_perm("mdt.change_planaction"),
            "today": timezone.localdate(),
        },
    )


def _item_form_page(request, item, form, heading, intro=""):
    return render(
        request,
        "mdt/items/form.html",
        {"item": item, "meeting": item.meeting, "form": form, "heading": heading, "intro": intro},
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_plan(request, item_pk):
    item = _item(request, item_pk, edit=True)
    form = PlanForm(_posted(request), item=item)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_save(
                item=item,
                by=request.user,
                care_plan=data["care_plan"],
                decisions=data["decisions"],
                key_worker=data["key_worker"],
                key_worker_name=data["key_worker_name"],
            )
        except (services.MdtError, EscalationError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Plan saved; it is in the case's history.")
            return _item_detail(item)
    return _item_form_page(request, item, form, "Care and action plan")


@login_required
@require_http_methods(["GET", "POST"])
def action_add(request, item_pk):
    item = _item(request, item_pk, edit=True)
    form = ActionForm(_posted(request), item=item)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.action_add(
                item=item,
                by=request.user,
                description=data["description"],
                due_on=data["due_on"],
                owner=data["owner"],
                owner_name=data["owner_name"],
            )
        except (services.MdtError, EscalationError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Action added.")
            return _item_detail(item, "#actions")
    return _item_form_page(request, item, form, "Add an action")


@login_required
@require_http_methods(["GET", "POST"])
def item_close(request, item_pk):
    item = _item(request, item_pk, edit=True)
    if item.escalation.state == EscalationState.CLOSED:
        messages.error(request, "This case is already closed.")
        return _item_detail(item)
    form = CloseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.item_close_escalation(
                item=item,
                by=request.user,
                summary=data["summary"],
                message_for_volunteer=data["message_for_volunteer"],
                went_well=data["went_well"],
                request=request,
            )
        except (services.MdtError, EscalationError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Case closed; the volunteer is told in your words.")
            return _item_detail(item)
    return _item_form_page(
        request,
        item,
        form,
        "Close the case with an outcome",
        "The case's escalation closes with this outcome; the volunteer who raised it reads "
        "your message.",
    )


@login_required
@require_POST
def action_done(request, action_pk):
    action = get_object_or_404(
        PlanAction.objects.select_related("item__escalation", "item__meeting"),
        pk=action_pk,
        item__meeting__in=selectors.meetings_for(request.user),
    )
    if selectors.audience(request.user, action.item.meeting) != MEMBER:
        raise Http404
    _require(request.user, "mdt.change_planaction")
    try:
        services.action_mark_done(action=action, by=request.user)
    except EscalationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Action marked as done.")
    return _item_detail(action.item, "#actions")
