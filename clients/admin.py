from django.contrib import admin
from guardian.admin import GuardedModelAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from .models import Assignment, Client, ConsentRecord, Need


class NeedInline(admin.TabularInline):
    model = Need
    extra = 0


@admin.register(Client)
class ClientAdmin(GuardedModelAdminMixin, SimpleHistoryAdmin):
    list_display = ["last_name", "first_name", "practice", "locality", "status"]
    list_filter = ["locality", "status", "practice"]
    search_fields = ["first_name", "last_name", "nhs_number", "postcode"]
    list_select_related = ["practice", "locality"]
    inlines = [NeedInline]


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["client", "volunteer", "started_on", "ended_on"]
    list_filter = [("ended_on", admin.EmptyFieldListFilter)]
    search_fields = ["client__last_name", "volunteer__user__last_name"]
    list_select_related = ["client", "volunteer__user"]
    raw_id_fields = ["client", "volunteer"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(SimpleHistoryAdmin):
    list_display = ["client", "scope", "action", "method", "recorded_at", "recorded_by"]
    list_filter = ["scope", "action", "method"]
    search_fields = ["client__last_name", "client__first_name"]
    list_select_related = ["client", "recorded_by"]
    raw_id_fields = ["client"]


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ["description", "client", "kind", "met"]
    list_filter = ["kind", "met"]
    search_fields = ["description", "client__last_name"]
    list_select_related = ["client"]
