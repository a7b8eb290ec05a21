"""Volunteer pages: the coordinator's list and a volunteer's page with workload, training and
agreements; and a volunteer's own details."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from livingwell.models import Practice
from livingwell.queue import enqueue
from livingwell.tasks import send_invitation_email

from .access import any_of, gate, has_perm, is_volunteer
from .enums import VolunteerStatus
from .filters import VolunteerFilter
from .forms import (
    SignatureForm,
    TrainingForm,
    VolunteerCreateForm,
    VolunteerForm,
    VolunteerSelfForm,
)
from .models import AgreementSignature, TrainingRecord, Volunteer
from .selectors import current_agreement, missing_requirements, volunteers_for, with_readiness
from .services import (
    PROFILE_FIELDS,
    SELF_SERVICE_FIELDS,
    VolunteerError,
    agreement_sign,
    training_record,
    volunteer_create,
    volunteer_update,
)
from .workload import with_workload, workload_rows

PAGE_SIZE = 25


def _scoped_volunteer(user, pk) -> Volunteer:
    return get_object_or_404(volunteers_for(user).select_related("user", "locality"), pk=pk)


@gate(has_perm("volunteers.view_volunteer"))
def volunteer_list(request):
    today = timezone.localdate()
    agreement = current_agreement(today)
    qs = with_workload(
        with_readiness(
            volunteers_for(request.user).select_related("user", "locality"),
            on=today,
            agreement=agreement,
        )
    ).order_by("user__first_name", "user__last_name", "pk")
    data = request.GET.copy()
    data.pop("page", None)
    if "status" not in request.GET:
        data["status"] = VolunteerStatus.ACTIVE
    filterset = VolunteerFilter(data, queryset=qs)
    rows = filterset.qs if filterset.is_valid() else qs.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for volunteer in page.object_list:
        volunteer.missing = missing_requirements(volunteer, on=today, agreement=agreement)
    return render(
        request,
        "volunteers/volunteer/list.html",
        {
            "filter": filterset,
            "form": filterset.form,
            "page": page,
            "query": data.urlencode(),
            "agreement": agreement,
            "may_add": request.user.has_perm("volunteers.add_volunteer"),
        },
    )


@gate(has_perm("volunteers.add_volunteer"))
def volunteer_new(request):
    form = VolunteerCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            volunteer = volunteer_create(
                by=request.user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                username=data["username"],
                phone=data["phone"],
                locality=form.chosen_locality(),
                request=request,
            )
        except VolunteerError as exc:
            form.add_error("username", str(exc))
        else:
            enqueue(send_invitation_email, user_id=volunteer.user_id, by_id=request.user.pk)
            messages.success(
                request,
                f"{volunteer} is added. We have emailed {data['email']} a link to choose a "
                "password. Next: their training and the confidentiality agreement.",
            )
            return redirect("volunteers:detail", pk=volunteer.pk)
    return render(request, "volunteers/volunteer/new.html", {"form": form})


@gate(any_of(has_perm("volunteers.view_volunteer"), is_volunteer))
def volunteer_detail(request, pk):
    today = timezone.localdate()
    agreement = current_agreement(today)
    volunteer = get_object_or_404(
        with_workload(
            with_readiness(
                volunteers_for(request.user).select_related("user", "locality"),
                on=today,
                agreement=agreement,
            )
        ),
        pk=pk,
    )
    open_assignments = (
        volunteer.assignments.filter(ended_on__isnull=True)
        .select_related("client__practice")
        .only(
            "id",
            "volunteer_id",
            "started_on",
            "client__id",
            "client__first_name",
            "client__last_name",
            "client__practice__name",
        )
        .order_by("client__last_name", "client__first_name")
    )
    practices = (
        Practice.objects.filter(
            clients__assignments__volunteer=volunteer, clients__assignments__ended_on__isnull=True
        )
        .distinct()
        .only("id", "name", "volunteers_may_attend_mdt")
        .order_by("name")
    )
    training = TrainingRecord.objects.filter(volunteer=volunteer).select_related("recorded_by")
    signatures = AgreementSignature.objects.filter(volunteer=volunteer).select_related(
        "agreement", "recorded_by"
    )
    training = list(training)
    for record in training:
        record.current = record.is_current(today)
    user = request.user
    return render(
        request,
        "volunteers/volunteer/detail.html",
        {
            "volunteer": volunteer,
            "is_self": volunteer.user_id == user.pk,
            "workload": workload_rows(volunteer),
            "assignments": list(open_assignments),
            "practices": list(practices),
            "training": training,
            "signatures": list(signatures),
            "agreement": agreement,
            "missing": missing_requirements(volunteer, on=today, agreement=agreement),
            "today": today,
            "may_change": user.has_perm("volunteers.change_volunteer"),
            "may_add_training": user.has_perm("volunteers.add_trainingrecord"),
            "may_add_signature": user.has_perm("volunteers.add_agreementsignature"),
        },
    )


@gate(is_volunteer)
def volunteer_me(request):
    volunteer = get_object_or_404(Volunteer.objects.only("id"), user=request.user)
    return redirect("volunteers:detail", pk=volunteer.pk)


@gate(is_volunteer)
def volunteer_me_edit(request):
    volunteer = get_object_or_404(Volunteer, user=request.user)
    form = VolunteerSelfForm(request.POST or None, volunteer=volunteer)
    if request.method == "POST" and form.is_valid():
        volunteer_update(
            volunteer=volunteer,
            by=request.user,
            fields={f: form.cleaned_data[f] for f in SELF_SERVICE_FIELDS},
        )
        messages.success(request, "Your details are saved.")
        return redirect("volunteers:detail", pk=volunteer.pk)
    return render(
        request,
        "volunteers/volunteer/edit.html",
        {"form": form, "volunteer": volunteer, "is_self": True},
    )


@gate(has_perm("volunteers.change_volunteer"))
def volunteer_edit(request, pk):
    volunteer = _scoped_volunteer(request.user, pk)
    form = VolunteerForm(request.POST or None, volunteer=volunteer)
    if request.method == "POST" and form.is_valid():
        try:
            volunteer_update(
                volunteer=volunteer,
                by=request.user,
                fields={f: form.cleaned_data[f] for f in PROFILE_FIELDS},
            )
        except VolunteerError as exc:
            form.add_error("status", str(exc))
        else:
            messages.success(request, f"{volunteer}’s details are saved.")
            return redirect("volunteers:detail", pk=volunteer.pk)
    return render(
        request,
        "volunteers/volunteer/edit.html",
        {"form": form, "volunteer": volunteer, "is_self": False},
    )


@gate(has_perm("volunteers.add_trainingrecord"))
def training_add(request, pk):
    volunteer = _scoped_volunteer(request.user, pk)
    form = TrainingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            training_record(volunteer=volunteer, by=request.user, **form.cleaned_data)
        except VolunteerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Training recorded for {volunteer}.")
            return redirect("volunteers:detail", pk=volunteer.pk)
    return render(
        request, "volunteers/volunteer/training_add.html", {"form": form, "volunteer": volunteer}
    )


@gate(has_perm("volunteers.add_agreementsignature"))
def signature_add(request, pk):
    volunteer = _scoped_volunteer(request.user, pk)
    form = SignatureForm(request.POST or None, volunteer=volunteer)
    if request.method == "POST" and form.is_valid():
        try:
            agreement_sign(volunteer=volunteer, by=request.user, **form.cleaned_data)
        except VolunteerError as exc:
            form.add_error("agreement", str(exc))
        else:
            messages.success(request, f"Signature recorded for {volunteer}.")
            return redirect("volunteers:detail", pk=volunteer.pk)
    return render(
        request,
        "volunteers/volunteer/signature_add.html",
        {
            "form": form,
            "volunteer": volunteer,
            "no_versions": not form.fields["agreement"].queryset.exists(),
        },
    )
