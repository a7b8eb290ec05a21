"""The evidence dashboard (figures, charts, the same figures as a table and as CSV) and the
coproduction models each locality runs. Read-only; every figure comes from
``evidence.metrics``."""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_GET

from livingwell.enums import Role
from livingwell.models import LocalityModel

from . import kept
from .charts import charts_for
from .forms import EvidenceForm
from .scope import evidence_locality_list, locality_columns, model_columns


def _scope(request) -> list:
    """The localities ``request.user`` may see, by name, read once: the form counts them and
    the figures list them from the same rows instead of asking again."""
    localities = evidence_locality_list(request.user)
    if not localities:
        raise PermissionDenied
    return localities


def _figures(form, localities):
    chosen = form.cleaned_data.get("locality")
    in_scope = [chosen] if chosen is not None else list(localities)
    period = form.period
    if form.cleaned_data["by"] == "model":
        columns = model_columns(in_scope, period)
    else:
        columns = locality_columns(in_scope, period)
    return kept.figures(columns)


def _kept_for(seconds: int) -> str:
    """How long the same figures are kept, in words ("" when they are not kept)."""
    if seconds <= 0:
        return ""
    if seconds % 60:
        return f"{seconds} second{pluralize(seconds)}"
    minutes = seconds // 60
    return f"{minutes} minute{pluralize(minutes)}"


def csv_rows(figures) -> list[list[str]]:
    """The CSV's rows: the table's header and cells, exactly."""
    rows = [["Section", "Figure", *[c.label for c in figures.columns]]]
    for row in figures.rows:
        rows.append([row.section, row.label, *row.cells()])
    return rows


@login_required
@require_GET
def dashboard(request):
    localities = _scope(request)
    form = EvidenceForm(request.GET, localities=localities)
    context = {"form": form, "localities": localities}
    if form.is_valid():
        shown = _figures(form, localities)
        context.update(
            figures=shown,
            charts=charts_for(shown) if shown.columns else [],
            period=form.period,
            query=form.query_string(),
            kept_for=_kept_for(settings.EVIDENCE_FIGURES_SECONDS),
            kept_seconds=settings.EVIDENCE_FIGURES_SECONDS,
            # The rendered charts and table are kept as long as the figures they show.
            figures_key=f"{kept.figures_key(shown.columns)}:{shown.at.timestamp()}",
            by=form.cleaned_data["by"],
        )
    return render(request, "evidence/dashboard.html", context)


@login_required
@require_GET
def dashboard_csv(request):
    localities = _scope(request)
    form = EvidenceForm(request.GET, localities=localities)
    if not form.is_valid():
        lines = [
            f"{form.fields[f].label if f in form.fields else 'Period'}: {e}"
            for f, errors in form.errors.items()
            for e in errors
        ]
        return HttpResponse(
            "The figures could not be made:\n" + "\n".join(lines) + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    shown = _figures(form, localities)
    period = form.period
    name = f"living-well-evidence-{period.first}-to-{period.last}-by-{form.cleaned_data['by']}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    csv.writer(response).writerows(csv_rows(shown))
    return response


@login_required
@require_GET
def coproduction_models(request):
    localities = _scope(request)
    runs = (
        LocalityModel.objects.filter(locality__in=localities)
        .select_related("locality")
        .order_by("locality__name", "started_on", "model")
    )
    by_locality = []
    for run in runs:
        if not by_locality or by_locality[-1][0] != run.locality:
            by_locality.append((run.locality, []))
        by_locality[-1][1].append(run)
    return render(
        request,
        "evidence/models.html",
        {
            "by_locality": by_locality,
            "is_admin": request.user.role == Role.ADMIN,
            "today": timezone.localdate(),
        },
    )
