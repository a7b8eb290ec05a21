from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf
from django.utils.translation import get_language

from .models import Notification
from .navigation import nav_for
from .prepared import Prepared
from .reversing import reverse

# One indexed count per page (partial index on unread rows), its SQL compiled once, where the
# user was not read with it.
_UNREAD = Prepared(
    lambda user_id: Notification.objects.filter(user_id=user_id, read_at=None), int, plan_once=True
)

# (role, URL resolver, script prefix, language) -> the menu's (label, path) pairs. A
# coordinator's menu has eleven links, and reversing them on every page cost 0.2 ms here.
_menus: dict[tuple, tuple[tuple[str, str], ...]] = {}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    return {
        "nav_items": [
            {"label": label, "url": url, "active": path == url} for label, url in _menu(user)
        ],
        "unread_count": unread_count(user),
    }


def unread_count(user) -> int:
    """The user's unread notifications: as read with the session's user at the start of the
    request on PostgreSQL (livingwell.security.backends), else counted now."""
    count = getattr(user, "unread_notifications", None)
    return _UNREAD.count(user.pk) if count is None else count


def _menu(user) -> tuple[tuple[str, str], ...]:
    key = (user.role, get_resolver(get_urlconf()), get_script_prefix(), get_language())
    try:
        return _menus[key]
    except KeyError:
        pass
    links = []
    for label, name in nav_for(user):
        try:
            links.append((label, reverse(name)))
        except NoReverseMatch:
            continue
    menu = _menus[key] = tuple(links)
    return menu
