from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .forms import SignInForm
from .models import Notification
from .services import notification_mark_read

# Each role's home page names what that role is here to do (PRODUCT.md "Who uses it").
HOME_TEMPLATES = {
    "volunteer": "livingwell/home/volunteer.html",
    "coordinator": "livingwell/home/coordinator.html",
    "team_leader": "livingwell/home/team_leader.html",
    "mdt_chair": "livingwell/home/mdt_chair.html",
    "practitioner": "livingwell/home/practitioner.html",
    "admin": "livingwell/home/admin.html",
}


class SignInView(auth_views.LoginView):
    template_name = "livingwell/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@login_required
def home(request):
    template = HOME_TEMPLATES.get(request.user.role)
    if template is None:
        return render(request, "livingwell/home/no_role.html", status=403)
    return render(request, template, {"home_panels": home_panels(request)})


def home_panels(request) -> list:
    """Each app contributes the panels its role sees on the home page."""
    from .home import panels_for

    return panels_for(request)


@login_required
def notification_list(request):
    qs = Notification.objects.filter(user=request.user).only(
        "id", "subject", "body", "url", "created_at", "read_at"
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "livingwell/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request):
    raw = request.POST.get("notification")
    notification_id = int(raw) if raw and raw.isdigit() else None
    changed = notification_mark_read(user=request.user, notification_id=notification_id)
    if notification_id is not None and changed:
        n = Notification.objects.filter(user=request.user, pk=notification_id).only("url").first()
        if n and n.url.startswith("/"):
            return redirect(n.url)
    messages.success(request, "Marked as read.")
    return redirect("notifications")


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
