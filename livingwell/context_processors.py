from django.urls import NoReverseMatch

from .models import Notification
from .navigation import nav_for
from .prepared import Prepared
from .reversing import reverse

# One indexed count per page (partial index on unread rows), its SQL compiled once.
_UNREAD = Prepared(lambda user_id: Notification.objects.filter(user_id=user_id, read_at=None), int)


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
        "unread_count": _UNREAD.count(user.pk),
    }
