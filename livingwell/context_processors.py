from django.urls import NoReverseMatch

from .models import Notification
from .navigation import nav_for
from .reversing import reverse


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, name in nav_for(user):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path == url})
    return {
        "nav_items": items,
        # One indexed count per page (partial index on unread rows).
        "unread_count": Notification.objects.filter(user=user, read_at__isnull=True).count(),
    }
