"""Pages for observations, the triage queue, escalations, the directory, the rota, outcomes
and stories.

Access: a role without the model permission gets a 403; a row outside the user's scoped
queryset is a 404. Every change goes through ``escalations.services``; a domain error becomes
a clear message and changes nothing.
"""

from __future__ import annotations

from urllib.parse import urlencode

from crispy_forms.utils import render_crispy_form
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clients.enums import ConsentScope
from livingwell import reversing
from livingwell.audit import audit
from livingwell.choices import labels_of
from livingwell.enums import LOCALITY_STAFF_ROLES, AuditAction, Role

from . import forms, selectors, services
from .enums import (
    OPEN_STATES,
    Action,
    EscalationState,
    ObservationKind,
    ResponseKind,
    RoutingStatus,
    StoryState,
)
from .models import (
    Escalation,
    EscalationEvent,
    Observation,
    QuestionMessage,
    Story,
)
from .story_check import describe as describe_findings
from .story_check import identifying_details

TRIAGE_PAGE_SIZE = 50


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


ESCALATION_RELATED = (
    "observation__client__practice",
    "observation__volunteer__user",
    "observation__logged_by",
    "owner",
    "service",
    "locality",
)


def _escalation_or_404(
    user, pk: int, perm: str = "escalations.view_escalation", related=ESCALATION_RELATED
) -> Escalation:
    _require(user, "escalations.view_escalation")
    _require(user, perm)
    return get_object_or_404(selectors.escalations_for(user).select_related(*related), pk=pk)


def _error_title(form) -> str:
    return "Error: " if form is not None and form.errors else ""


# --- Observations ----------------------------------------------------------------------------


@login_required
def observation_create(request):
    """A volunteer logs what they noticed; a team leader or coordinator logs one that a
    volunteer phoned in."""
    user = request.user
    _require(user, "escalations.add_observation")
    if user.role == Role.VOLUNTEER:
        volunteer = selectors.volunteer_of(user)
        if volunteer is None:
            raise PermissionDenied
        form_class = forms.ObservationForm
    elif user.role in LOCALITY_STAFF_ROLES and user.locality_id:
        volunteer = None
        form_class = forms.StaffObservationForm
    else:
        raise PermissionDenied
    if request.method == "POST":
        form = form_class(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                observation, created = services.observation_create(
                    client=data["client"],
                    volunteer=volunteer or data["volunteer"],
                    logged_by=user,
                    kind=data["kind"],
                    urgency=data["urgency"],
                    noticed=data["noticed"],
                    client_wants=data["client_wants"],
                    by_phone=bool(volunteer is None and data.get("by_phone")),
                    submission_key=data["submission_key"],
                    request=request,
                )
            except services.EscalationError as exc:
                form.add_error("client", str(exc))
            else:
                if created:
                    messages.success(
                        request,
                        "Thank you. We have it, and the right person will look at it."
                        if volunteer
                        else "Saved. It is being routed now.",
                    )
                if volunteer is not None:
                    return reversing.redirect("escalations:my_observation", observation.pk)
                return reversing.redirect("escalations:detail", observation.escalation.pk)
    elif volunteer is None:
        # A call: first who called, then the form with that volunteer's clients to choose from.
        # "Change" on the second step comes back here with the caller chosen before.
        caller = "volunteer" in request.GET and forms.CallerForm.accepted(user, request.GET)
        if not caller:
            before = request.GET.get("caller", "")
            step = forms.CallerForm(
                request.GET if "volunteer" in request.GET else None,
                user=user,
                initial={"volunteer": before} if before.isdecimal() else {},
            )
            if not step.is_valid():
                return render(
                    request,
                    "escalations/observation/caller.html",
                    {"form": step, "error_title": _error_title(step)},
                )
            caller = step.cleaned_data["volunteer"]
        form = form_class(user=user, caller=caller)
    else:
        # From a client's page: that client chosen already (the form still checks the choice).
        chosen = request.GET.get("client", "")
        form = form_class(user=user, initial={"client": chosen} if chosen.isdigit() else {})
    return render(
        request,
        "escalations/observation/form.html",
        {"form": form, "for_volunteer": volunteer is None, "error_title": _error_title(form)},
    )


@login_required
def my_observations(request):
    _require(request.user, "escalations.view_observation")
    if request.user.role != Role.VOLUNTEER:
        raise PermissionDenied
    # The labels worked out once here, not in the template.
    paginator = Paginator(selectors.my_observation_rows(request.user), 25)
    page = paginator.get_page(request.GET.get("page"))
    kinds, urgencies = labels_of(Observation, "kind"), labels_of(Observation, "urgency")
    for row in page.object_list:
        row["kind_label"] = kinds.get(row["kind"], row["kind"])
        row["urgency_label"] = urgencies.get(row["urgency"], row["urgency"])
    return render(request, "escalations/observation/mine.html", {"page": page})


def _own_observation_or_404(request, pk: int) -> Observation:
    _require(request.user, "escalations.view_observation")
    if request.user.role != Role.VOLUNTEER:
        raise PermissionDenied
    return get_object_or_404(
        selectors.observations_for(request.user).select_related(
            "client", "escalation", "logged_by"
        ),
        pk=pk,
    )


def _my_observation_page(request, observation, *, answer_form=None, response_form=None):
    escalation = observation.escalation
    events = [
        e
        for e in EscalationEvent.objects.filter(escalation=escalation)
        .exclude(volunteer_summary="")
        .only("at", "volunteer_summary")
    ]
    thread = list(
        QuestionMessage.objects.filter(escalation=escalation)
        .select_related("author")
        .only("text", "at", "author__first_name", "author__last_name", "author__username")
    )
    awaiting_answer = (
        escalation.state in OPEN_STATES and thread and thread[-1].author_id != request.user.pk
    )
    outcome = getattr(escalation, "outcome", None)
    responses = []
    thanked = False
    if outcome is not None:
        services.outcome_mark_seen(outcome=outcome)
        responses = list(outcome.responses.select_related("author"))
        thanked = any(
            r.kind == ResponseKind.THANKS and r.author_id == request.user.pk for r in responses
        )
    if awaiting_answer and answer_form is None:
        answer_form = forms.AnswerForm()
    if outcome is not None and response_form is None:
        response_form = forms.OutcomeResponseForm()
    has_errors = bool(
        (answer_form is not None and answer_form.errors)
        or (response_form is not None and response_form.errors)
    )
    return render(
        request,
        "escalations/observation/detail.html",
        {
            "observation": observation,
            "escalation": escalation,
            "events": events,
            "thread": thread,
            "answer_form": answer_form if awaiting_answer else None,
            "outcome": outcome,
            "responses": responses,
            "thanked": thanked,
            "response_form": response_form,
            "error_title": "Error: " if has_errors else "",
        },
    )


@login_required
def my_observation(request, pk: int):
    observation = _own_observation_or_404(request, pk)
    return _my_observation_page(request, observation)


@login_required
@require_POST
def observation_answer(request, pk: int):
    observation = _own_observation_or_404(request, pk)
    _require(request.user, "escalations.add_questionmessage")
    form = forms.AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.escalation_volunteer_answer(
                escalation=observation.escalation, by=request.user, text=form.cleaned_data["text"]
            )
        except services.EscalationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Thank you. Your answer has been sent.")
        return redirect("escalations:my_observation", pk)
    return _my_observation_page(request, observation, answer_form=form)


@login_required
@require_POST
def outcome_respond(request, pk: int):
    observation = _own_observation_or_404(request, pk)
    _require(request.user, "escalations.add_outcomeresponse")
    outcome = getattr(observation.escalation, "outcome", None)
    if outcome is None:
        raise Http404("No outcome yet")
    form = forms.OutcomeResponseForm(request.POST)
    if form.is_valid():
        try:
            services.outcome_respond(
                outcome=outcome,
                by=request.user,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
            )
        except services.EscalationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Thank you. The coordinator will see your message.")
            return redirect("escalations:my_observation", pk)
    return _my_observation_page(request, observation, response_form=form)


# --- Triage queue ----------------------------------------------------------------------------


@login_required
def triage_queue(request):
    user = request.user
    _require(user, "escalations.view_escalation")
    if user.role not in (*LOCALITY_STAFF_ROLES, Role.ADMIN):
        raise PermissionDenied
    filter_form = forms.TriageFilterForm(request.GET or None, user=user)
    filters = filter_form.filters() if request.GET else {}
    counts = selectors.queue_counts(user)
    paginator = Paginator(
        selectors.triage_page_rows(user, filters, counts["open"]), TRIAGE_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.triage_rows(page.object_list)
    query = urlencode([(k, v) for k, vs in request.GET.lists() if k != "page" for v in vs])
    # The content is a Jinja2 partial (escalations/jinja2/escalations/triage/_page.html).
    return render(
        request,
        "escalations/triage/queue.html",
        {
            "page": page,
            "filter_form": filter_form,
            "query": query,
            "counts": counts,
            "failed": RoutingStatus.FAILED,
            "show_locality": user.role == Role.ADMIN,
        },
    )


# --- Escalation page and its actions ---------------------------------------------------------


@login_required
def escalation_detail(request, pk: int):
    # Every query of the page is compiled once (escalations.selectors, livingwell.prepared).
    _require(request.user, "escalations.view_escalation")
    escalation = selectors.escalation_page_for(request.user, pk)
    if escalation is None:
        raise Http404
    record = selectors.escalation_record(escalation)
    observation = escalation.observation
    client = observation.client
    outcome = record["outcome"]
    consents = selectors.page_consents(escalation)
    audit(
        actor=request.user,
        action=AuditAction.VIEW,
        obj=escalation,
        client_id=client.pk,
        summary="escalation page",
        request=request,
    )
    allowed = services.allowed_actions(escalation.state)
    user = request.user
    can_write_story = user.has_perm("escalations.add_story") and escalation.state == "closed"
    can_reply = (
        outcome is not None
        and any(r.kind == ResponseKind.QUESTION for r in outcome.responses.all())
        and user.has_perm("escalations.add_outcomeresponse")
    )
    # The page's content is a Jinja2 partial (escalations/jinja2/escalations/escalation/
    # _page.html, drawn by {% rows %}): as a Django template it was a fifth of the page's time.
    return render(
        request,
        "escalations/escalation/detail.html",
        {
            "escalation": escalation,
            "observation": observation,
            "client": client,
            **record,
            "consents": {
                "share": consents.get(ConsentScope.SHARE_WITH_PARTNERS),
                "mdt": consents.get(ConsentScope.MDT_CHAMPION),
                "story": consents.get(ConsentScope.ANONYMISED_STORY),
            },
            "can": {
                "accept": Action.ACCEPTED in allowed
                and user.has_perm("escalations.change_escalation"),
                "reroute": Action.REROUTED in allowed
                and user.has_perm("escalations.change_escalation"),
                "refer": Action.REFERRED in allowed and user.has_perm("escalations.add_referral"),
                "mdt": Action.PUT_TO_MDT in allowed
                and user.has_perm("escalations.change_escalation"),
                "ask": escalation.state in OPEN_STATES
                and user.has_perm("escalations.add_questionmessage"),
                "close": Action.CLOSED in allowed and user.has_perm("escalations.add_outcome"),
                "retry": escalation.routing_status == RoutingStatus.FAILED
                and escalation.state == EscalationState.NEW
                and user.has_perm("escalations.change_escalation"),
                "story": can_write_story,
                "reply": can_reply,
            },
            "reply_form": render_crispy_form(forms.ReplyForm()) if can_reply else "",
            "failed": RoutingStatus.FAILED,
        },
    )


def _action_page(
    request,
    pk: int,
    *,
    perm: str,
    form_class,
    title: str,
    intro: str,
    do,
    success: str,
    action: str | None = None,
):
    """One page per action: GET shows its form, POST calls the service. A stale version or
    a state that no longer allows the action sends the user back to the escalation with the
    reason; other refusals are shown on the form."""
    escalation = _escalation_or_404(request.user, pk, perm)
    detail = reverse("escalations:detail", args=[pk])
    if action is not None and action not in services.allowed_actions(escalation.state):
        messages.error(
            request,
            f"You cannot {services.ACTION_VERBS[action]} now: this escalation is "
            f"“{escalation.get_state_display()}”.",
        )
        return redirect(detail)
    if action is None and escalation.state not in OPEN_STATES:
        messages.error(request, "This escalation is closed.")
        return redirect(detail)
    if request.method == "POST":
        form = form_class(request.POST, escalation=escalation)
        if form.is_valid():
            try:
                do(escalation, form.cleaned_data)
            except (services.StaleEscalation, services.IllegalTransition) as exc:
                messages.error(request, str(exc))
                return redirect(detail)
            except services.EscalationError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, success)
                return redirect(detail)
    else:
        form = form_class(escalation=escalation)
    return render(
        request,
        "escalations/escalation/action.html",
        {
            "escalation": escalation,
            "form": form,
            "title": title,
            "intro": intro,
            "error_title": _error_title(form),
        },
    )


class _EscalationForm:
    """Adapts forms that need no escalation to the action page's signature."""

    def __init__(self, form_class):
        self.form_class = form_class

    def __call__(self, *args, escalation, **kwargs):
        return self.form_class(*args, **kwargs)


@login_required
@require_POST
def escalation_accept(request, pk: int):
    escalation = _escalation_or_404(request.user, pk, "escalations.change_escalation")
    form = forms.AcceptForm(request.POST, escalation=escalation)
    if not form.is_valid():
        messages.error(request, "The page was out of date. Check the escalation and try again.")
        return redirect("escalations:detail", pk)
    try:
        services.escalation_accept(
            escalation=escalation,
            by=request.user,
            expected_version=form.cleaned_data["version"],
            request=request,
        )
    except services.EscalationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "You have accepted it: it is yours now.")
    return redirect("escalations:detail", pk)


@login_required
@require_POST
def escalation_retry_routing(request, pk: int):
    escalation = _escalation_or_404(request.user, pk, "escalations.change_escalation")
    try:
        services.routing_retry(escalation=escalation, by=request.user)
    except services.EscalationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Routing will be tried again.")
    return redirect("escalations:detail", pk)


@login_required
def escalation_reroute(request, pk: int):
    def do(escalation, data):
        services.escalation_reroute(
            escalation=escalation,
            by=request.user,
            expected_version=data["version"],
            owner=data["owner"],
            service=data["service"],
            reason=data["reason"],
            request=request,
        )

    return _action_page(
        request,
        pk,
        perm="escalations.change_escalation",
        form_class=forms.RerouteForm,
        title="Re-route",
        intro="Give it to someone better placed to triage it. They will be told.",
        do=do,
        success="Re-routed.",
        action=Action.REROUTED,
    )


@login_required
def escalation_refer(request, pk: int):
    def do(escalation, data):
        services.escalation_refer(
            escalation=escalation,
            by=request.user,
            expected_version=data["version"],
            service=data["service"],
            channel=data["channel"],
            what_was_shared=data["what_was_shared"],
            sent_at=data["sent_at"],
            without_consent_reason=data["without_consent_reason"],
            request=request,
        )

    return _action_page(
        request,
        pk,
        perm="escalations.add_referral",
        form_class=forms.ReferForm,
        title="Refer to a service",
        intro="Record what you sent to a service from the directory, when and how.",
        do=do,
        success="Referral recorded.",
        action=Action.REFERRED,
    )


@login_required
def escalation_put_to_mdt(request, pk: int):
    def do(escalation, data):
        services.escalation_put_to_mdt(
            escalation=escalation,
            by=request.user,
            expected_version=data["version"],
            reason=data["reason"],
            request=request,
        )

    return _action_page(
        request,
        pk,
        perm="escalations.change_escalation",
        form_class=forms.MdtForm,
        title="Put forward to an MDT",
        intro="The case becomes a candidate for the agenda of the client's practice MDT.",
        do=do,
        success="Put forward to the MDT.",
        action=Action.PUT_TO_MDT,
    )


@login_required
def escalation_close(request, pk: int):
    def do(escalation, data):
        services.escalation_close(
            escalation=escalation,
            by=request.user,
            expected_version=data["version"],
            summary=data["summary"],
            message_for_volunteer=data["message_for_volunteer"],
            went_well=data["went_well"],
            request=request,
        )

    return _action_page(
        request,
        pk,
        perm="escalations.add_outcome",
        form_class=forms.CloseForm,
        title="Close with an outcome",
        intro="The volunteer who told us about it will get your message.",
        do=do,
        success="Closed. The volunteer will be told.",
        action=Action.CLOSED,
    )


@login_required
def escalation_ask(request, pk: int):
    def do(escalation, data):
        services.escalation_ask_volunteer(escalation=escalation, by=request.user, text=data["text"])

    return _action_page(
        request,
        pk,
        perm="escalations.add_questionmessage",
        form_class=_EscalationForm(forms.AskForm),
        title="Ask the volunteer a question",
        intro="They will be told and can answer from their observation's page.",
        do=do,
        success="Your question has been sent to the volunteer.",
    )


@login_required
@require_POST
def outcome_reply(request, pk: int):
    escalation = _escalation_or_404(request.user, pk, "escalations.add_outcomeresponse")
    outcome = getattr(escalation, "outcome", None)
    if outcome is None:
        raise Http404("No outcome")
    form = forms.ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.outcome_reply(outcome=outcome, by=request.user, text=form.cleaned_data["text"])
        except services.EscalationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Your reply has been sent to the volunteer.")
    else:
        messages.error(request, "Enter your reply to the volunteer.")
    return redirect("escalations:detail", pk)


# --- Stories ---------------------------------------------------------------------------------


def _story_page(request, escalation, story, form, *, refusal=None, findings=()):
    return render(
        request,
        "escalations/story/form.html",
        {
            "escalation": escalation,
            "story": story,
            "form": form if refusal is None else None,
            "refusal": refusal,
            "findings": findings,
            "error_title": _error_title(form),
            "states": StoryState,
        },
    )


@login_required
def story_edit(request, pk: int):
    escalation = _escalation_or_404(request.user, pk, "escalations.add_story")
    _require(request.user, "escalations.change_story")
    story = Story.objects.filter(escalation=escalation).first()
    refusal = services.story_may_be_written(escalation)
    findings = []
    if request.method == "POST":
        form = forms.StoryForm(request.POST)
        if form.is_valid() and refusal is None:
            try:
                story = services.story_save(
                    escalation=escalation,
                    by=request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except services.StoryRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Story saved.")
                return redirect("escalations:story_edit", pk)
    else:
        initial = {"title": story.title, "body": story.body} if story else {}
        form = forms.StoryForm(initial=initial)
        if story is not None:
            findings = identifying_details(
                f"{story.title}\n{story.body}", escalation.observation.client
            )
    return _story_page(request, escalation, story, form, refusal=refusal, findings=findings)


def _story_of(request, pk: int) -> Story:
    escalation = _escalation_or_404(request.user, pk, "escalations.change_story")
    return get_object_or_404(Story.objects.select_related("escalation"), escalation=escalation)


@login_required
@require_POST
def story_publish(request, pk: int):
    story = _story_of(request, pk)
    try:
        services.story_publish(story=story, by=request.user)
    except services.StoryRefused as exc:
        if not exc.findings:
            messages.error(request, f"Not published. {exc}")
            return redirect("escalations:story_edit", pk)
        # Identifying details: an error on the field that holds them, so the error summary
        # leads the coordinator to the words to change.
        escalation = story.escalation
        client = escalation.observation.client
        form = forms.StoryForm(data={"title": story.title, "body": story.body})
        form.is_valid()
        in_fields = {
            name: identifying_details(getattr(story, name), client) for name in ("title", "body")
        }
        for name, found in in_fields.items():
            if found:
                form.add_error(name, f"Not published. {describe_findings(found)}")
        if not any(in_fields.values()):
            form.add_error("body", f"Not published. {exc}")
        return _story_page(request, escalation, story, form)
    messages.success(request, "Published on the locality's stories page.")
    return redirect("escalations:story_edit", pk)


@login_required
@require_POST
def story_unpublish(request, pk: int):
    story = _story_of(request, pk)
    try:
        services.story_unpublish(
            story=story, by=request.user, reason=f"taken down by {request.user}"
        )
    except services.StoryRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Taken off the stories page.")
    return redirect("escalations:story_edit", pk)


@login_required
def stories_home(request):
    _require(request.user, "escalations.view_story")
    locality = selectors.story_localities_for(request.user).first()
    if locality is None:
        raise PermissionDenied
    if request.user.locality_id:
        locality = selectors.story_localities_for(request.user).get(pk=request.user.locality_id)
    return redirect("escalations:stories", locality.slug)


@login_required
def story_list(request, locality: str):
    _require(request.user, "escalations.view_story")
    place = selectors.story_locality_for(request.user, locality)
    if place is None:
        raise Http404
    rows = selectors.published_story_rows(place)
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    drafts = []
    if request.user.has_perm("escalations.change_story"):
        drafts = selectors.story_drafts(place)
    return render(
        request,
        "escalations/story/list.html",
        {"locality": place, "page": page, "drafts": drafts},
    )


# --- Service directory -----------------------------------------------------------------------


@login_required
def service_list(request):
    user = request.user
    _require(user, "escalations.view_service")
    filter_form = forms.ServiceFilterForm(request.GET or None)
    data = filter_form.cleaned_data if filter_form.is_valid() else {}
    qs = selectors.services_for(user, locality=data.get("locality"))
    if data.get("q"):
        from django.db.models import Q

        q = data["q"]
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(helps_with__icontains=q)
            | Q(organisation__icontains=q)
            | Q(contact_name__icontains=q)
        )
    if data.get("medical") == "yes":
        qs = qs.filter(is_medical=True)
    elif data.get("medical") == "no":
        qs = qs.filter(is_medical=False)
    rows = list(qs.prefetch_related("localities"))
    if data.get("kind"):
        # A JSON list: filtered here, where it works the same on SQLite and PostgreSQL.
        rows = [s for s in rows if data["kind"] in (s.kinds or [])]
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    labels = dict(ObservationKind.choices)
    for service in page.object_list:
        service.kind_names = [labels.get(k, k) for k in service.kinds or []]
    editable = set(selectors.editable_services_for(user).values_list("pk", flat=True))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page"])
    return render(
        request,
        "escalations/service/list.html",
        {
            "page": page,
            "filter_form": filter_form,
            "editable": editable,
            "can_add": user.has_perm("escalations.add_service")
            and user.role in (Role.COORDINATOR, Role.ADMIN),
            "query": query,
        },
    )


def _service_form_page(request, form, *, service=None):
    return render(
        request,
        "escalations/service/form.html",
        {"form": form, "service": service, "error_title": _error_title(form)},
    )


@login_required
def service_create(request):
    user = request.user
    _require(user, "escalations.add_service")
    if user.role not in (Role.COORDINATOR, Role.ADMIN):
        raise PermissionDenied
    if request.method == "POST":
        form = forms.ServiceForm(request.POST, user=user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            localities = data.pop("localities")
            services.service_save(by=user, localities=localities, **data)
            messages.success(request, f"{data['name']} added to the directory.")
            return redirect("escalations:services")
    else:
        initial = {"localities": [user.locality_id]} if user.locality_id else {}
        form = forms.ServiceForm(user=user, initial={**initial, "active": True})
    return _service_form_page(request, form)


@login_required
def service_edit(request, pk: int):
    user = request.user
    _require(user, "escalations.change_service")
    service = get_object_or_404(selectors.editable_services_for(user), pk=pk)
    if request.method == "POST":
        form = forms.ServiceForm(request.POST, instance=service, user=user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            localities = data.pop("localities")
            services.service_save(service=service, by=user, localities=localities, **data)
            messages.success(request, f"{service.name} saved.")
            return redirect("escalations:services")
    else:
        form = forms.ServiceForm(instance=service, user=user)
    return _service_form_page(request, form, service=service)


# --- On-call rota ----------------------------------------------------------------------------


@login_required
def rota(request):
    from django.utils import timezone

    user = request.user
    _require(user, "escalations.view_oncallshift")
    if user.role not in (*LOCALITY_STAFF_ROLES, Role.ADMIN):
        raise PermissionDenied
    can_add = user.has_perm("escalations.add_oncallshift") and user.locality_id is not None
    form = None
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = forms.ShiftForm(request.POST, locality=user.locality)
        if form.is_valid():
            try:
                services.on_call_shift_create(locality=user.locality, by=user, **form.cleaned_data)
            except services.EscalationError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Shift added.")
                return redirect("escalations:rota")
    elif can_add:
        form = forms.ShiftForm(locality=user.locality)
    now = timezone.now()
    shifts = selectors.shifts_for(user).filter(ends_at__gt=now).order_by("starts_at")
    page = Paginator(shifts, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "escalations/rota/list.html",
        {
            "page": page,
            "form": form,
            "now": now,
            "can_delete": user.has_perm("escalations.delete_oncallshift"),
            "error_title": _error_title(form),
            "show_locality": user.role == Role.ADMIN,
        },
    )


@login_required
@require_POST
def rota_delete(request, pk: int):
    _require(request.user, "escalations.delete_oncallshift")
    shift = get_object_or_404(selectors.shifts_for(request.user), pk=pk)
    services.on_call_shift_delete(shift=shift, by=request.user)
    messages.success(request, "Shift removed.")
    return redirect("escalations:rota")
