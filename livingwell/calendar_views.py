"""The calendar feed page (the user's private link, and resetting it) and the feed itself."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .calendar import calendar_events_for, calendar_ics, calendar_token_reset
from .models import User


def _feed_url(request, user) -> str:
    return request.build_absolute_uri(reverse("calendar_feed", args=[user.calendar_token]))


@login_required
@require_GET
def calendar_settings(request):
    events = calendar_events_for(request.user)
    return render(
        request,
        "livingwell/calendar.html",
        {"feed_url": _feed_url(request, request.user), "event_count": len(events)},
    )


@login_required
@require_POST
def calendar_reset(request):
    calendar_token_reset(user=request.user)
    messages.success(
        request,
        "Your calendar link has been reset. The old link no longer works: add the new one to "
        "your calendar.",
    )
    return redirect("calendar")


@require_GET
def calendar_feed(request, token: str):
    """Anyone holding the link may read the feed, so it is unguessable and resettable."""
    user = User.objects.filter(calendar_token=token, is_active=True).first()
    if user is None:
        raise Http404("No such calendar")
    response = HttpResponse(calendar_ics(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="living-well.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
