"""MDT pages (being built): every name in urls.py answers 404 until its view lands."""

from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404


meeting_list = meeting_create = meeting_detail = meeting_edit = meeting_pdf = meeting_ics = _not_yet
meeting_members = member_remove = item_add = meeting_publish = meeting_held = _not_yet
item_detail = item_volunteer = item_remove = item_plan = action_add = item_close = _not_yet
action_done = standing_members = standing_member_remove = _not_yet
