"""Client pages: "My clients" and the visit-focused page for volunteers; the coordinator's
list, client record, consent, needs and assignments; subject access.

Every view that shows a client's data writes an audit entry.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from livingwell.audit import audit
from livingwell.enums import AuditAction
from volunteers.access import any_of, gate, has_perm, is_volunteer

from .consent import consents_with_history, current_consent_records
from .enums import ClientStatus, ConsentAction, ConsentScope, NeedKind
from .filters import ClientFilter
from .forms import AssignForm, ClientForm, ConsentForm, EndAssignmentForm, NeedForm
from .models import Assignment, Client, Need
from .panels import panels_for
from .selectors import (
    assignments_of,
    client_list_for,
    client_list_rows,
    client_needs,
    client_page_for,
    client_rows,
    my_clients,
    open_assignments_of,
    volunteer_suggestions,
    with_volunteers,
)
from .services import (
    CLIENT_FIELDS,
    AssignmentRefused,
    ClientError,
    assignment_create,
    assignment_end,
    client_create,
    client_export,
    client_update,
    consent_record,
    need_add,
    need_set_met,
)

PAGE_SIZE = 25

may_list = has_perm("clients.view_client")


def _scoped_client(user, pk) -> Client:
    client = client_page_for(user, pk)
    if client is None:
        raise Http404
    return client


@gate(may_list)
def client_list(request):
    data = request.GET.copy()
    data.pop("page", None)
    if "status" not in request.GET:
        data["status"] = ClientStatus.ACTIVE
    # The filters' form alone: without a search, each shape of filter is a statement compiled
    # once (client_list_rows) and the list's queryset is never built; with one, the filters
    # are applied to it.
    filterset = ClientFilter(data, queryset=Client.objects.none(), user=request.user)
    valid = filterset.is_valid()
    rows = client_list_rows(request.user, filterset.form.cleaned_data) if valid else None
    if rows is None:
        clients = client_list_for(request.user)
        clients = filterset.filter_queryset(clients) if valid else clients.none()
        paginator = Paginator(client_rows(clients), PAGE_SIZE)
        paginator.count = clients.count()  # without the practice the rows join
    else:
        paginator = Paginator(rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = with_volunteers(page.object_list)
    return render(
        request,
        "clients/client/list.html",
        {
            "filter": filterset,
            "form": filterset.form,
            "page": page,
            "query": data.urlencode(),
            "may_add": request.user.has_perm("clients.add_client"),
        },
    )


@gate(is_volunteer)
def client_mine(request):
    page = Paginator(my_clients(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "clients/client/mine.html", {"page": page})


@gate(any_of(may_list, is_volunteer))
def client_detail(request, pk):
    client = _scoped_client(request.user, pk)
    audit(
        actor=request.user,
        action=AuditAction.VIEW,
        obj=client,
        client_id=client.pk,
        summary="Client page viewed",
        request=request,
    )
    needs = client_needs(client.pk)
    user = request.user
    if user.is_volunteer:
        open_assignments, past_assignments = open_assignments_of(client.pk), None
        current, history = current_consent_records(client), None
    else:
        open_assignments, past_assignments = assignments_of(client.pk)
        current, history = consents_with_history(client)
    context = {
        "client": client,
        "medical_needs": [n for n in needs if n.kind == NeedKind.MEDICAL],
        "other_needs": [n for n in needs if n.kind != NeedKind.MEDICAL],
        "consents": [(ConsentScope(scope), record) for scope, record in current.items()],
        "needs": sorted(needs, key=lambda n: n.kind == NeedKind.MEDICAL),
        "open_assignments": open_assignments,
        "other_volunteers": [
            a.volunteer.user for a in open_assignments if a.volunteer.user_id != request.user.pk
        ],
        "panels": panels_for(request, client),
        "given": ConsentAction.GIVEN,
    }
    if user.is_volunteer:
        return render(request, "clients/client/visit.html", context)
    # Staff see the whole record: its content is a Jinja2 partial (clients/jinja2/clients/
    # client/_page.html, drawn by {% rows %}), a quarter of the page's time as a Django template.
    context.update(
        past_assignments=past_assignments,
        consent_history=history,
        may_change=user.has_perm("clients.change_client"),
        may_consent=user.has_perm("clients.add_consentrecord"),
        may_assign=user.has_perm("clients.add_assignment"),
        may_end=user.has_perm("clients.change_assignment"),
        may_export=user.has_perm("clients.export_client"),
    )
    return render(request, "clients/client/detail.html", context)


@gate(has_perm("clients.add_client"))
def client_new(request):
    form = ClientForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in CLIENT_FIELDS}
        try:
            client = client_create(by=request.user, request=request, **data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, f"{client} is recorded.")
            return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/client/form.html", {"form": form, "client": None})


@gate(has_perm("clients.change_client"))
def client_edit(request, pk):
    client = _scoped_client(request.user, pk)
    form = ClientForm(request.POST or None, user=request.user, client=client)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in CLIENT_FIELDS}
        try:
            client_update(client=client, by=request.user, data=data, request=request)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, f"{client}’s details are saved.")
            return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/client/form.html", {"form": form, "client": client})


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@gate(has_perm("clients.change_client"))
def need_new(request, pk):
    client = _scoped_client(request.user, pk)
    form = NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        need_add(client=client, by=request.user, request=request, **form.cleaned_data)
        messages.success(request, "Need added.")
        return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/need/form.html", {"form": form, "client": client})


@gate(has_perm("clients.change_client"))
@require_POST
def need_met(request, pk, need_pk):
    client = _scoped_client(request.user, pk)
    need = get_object_or_404(Need, pk=need_pk, client=client)
    met = request.POST.get("met") == "1"
    need_set_met(need=need, met=met, by=request.user, request=request)
    messages.success(request, f"‘{need.description}’ marked {'met' if met else 'not met'}.")
    return redirect("clients:detail", pk=client.pk)


@gate(has_perm("clients.add_consentrecord"))
def consent_new(request, pk):
    client = _scoped_client(request.user, pk)
    initial = {}
    if request.GET.get("scope") in ConsentScope.values:
        initial["scope"] = request.GET["scope"]
    if request.GET.get("action") in ConsentAction.values:
        initial["action"] = request.GET["action"]
    form = ConsentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        record = consent_record(
            client=client, by=request.user, request=request, **form.cleaned_data
        )
        messages.success(
            request,
            f"{record.get_action_display()}: {record.get_scope_display()}. "
            + (
                "This acts at once everywhere."
                if record.action == ConsentAction.WITHDRAWN
                else "Recorded."
            ),
        )
        return redirect("clients:detail", pk=client.pk)
    return render(
        request,
        "clients/consent/form.html",
        {
            "form": form,
            "client": client,
            "consents": [
                (ConsentScope(scope), record)
                for scope, record in current_consent_records(client).items()
            ],
            "given": ConsentAction.GIVEN,
        },
    )


@gate(has_perm("clients.add_assignment"))
def assignment_new(request, pk):
    client = _scoped_client(request.user, pk)
    form = AssignForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        try:
            assignment_create(
                client=client,
                volunteer=form.cleaned_data["volunteer"],
                started_on=form.cleaned_data["started_on"],
                by=request.user,
                request=request,
            )
        except AssignmentRefused as exc:
            form.add_error("volunteer", str(exc))
        except ClientError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{form.cleaned_data['volunteer'].user} now visits {client}.")
            return redirect("clients:detail", pk=client.pk)
    return render(
        request,
        "clients/assignment/form.html",
        {
            "form": form,
            "client": client,
            "suggestions": volunteer_suggestions(client),
            "today": timezone.localdate(),
        },
    )


@gate(has_perm("clients.change_assignment"))
def assignment_close(request, pk, assignment_pk):
    client = _scoped_client(request.user, pk)
    assignment = get_object_or_404(
        Assignment.objects.select_related("volunteer__user"),
        pk=assignment_pk,
        client=client,
        ended_on__isnull=True,
    )
    form = EndAssignmentForm(request.POST or None, assignment=assignment)
    if request.method == "POST" and form.is_valid():
        try:
            assignment_end(
                assignment=assignment,
                by=request.user,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ClientError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{assignment.volunteer.user} no longer visits {client}.")
            return redirect("clients:detail", pk=client.pk)
    return render(
        request,
        "clients/assignment/end.html",
        {"form": form, "client": client, "assignment": assignment},
    )


@gate(has_perm("clients.export_client"))
def subject_access(request, pk):
    client = _scoped_client(request.user, pk)
    data = client_export(client=client, by=request.user, request=request)
    return render(
        request,
        "clients/client/subject_access.html",
        {"client": client, "data": data, "generated_at": timezone.now()},
    )


@gate(has_perm("clients.export_client"))
def subject_access_json(request, pk):
    client = _scoped_client(request.user, pk)
    data = client_export(client=client, by=request.user, request=request)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    filename = f"client-{client.pk}-subject-access-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
