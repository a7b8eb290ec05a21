from django.contrib import admin

from .models import AgendaItem, Meeting, MeetingMember, PlanAction, StandingMember


@admin.register(StandingMember)
class StandingMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "member_role", "practice", "user", "email"]
    list_filter = ["member_role", "practice__locality", "practice"]
    search_fields = ["name", "email", "practice__name", "user__username"]
    list_select_related = ["practice", "user"]
    raw_id_fields = ["user"]


class MeetingMemberInline(admin.TabularInline):
    model = MeetingMember
    extra = 0
    raw_id_fields = ["user"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["position", "escalation", "client", "volunteer", "volunteer_note"]
    raw_id_fields = ["escalation", "client", "volunteer"]
    show_change_link = True


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "practice", "chair", "starts_at", "state"]
    list_filter = ["state", "practice__locality", "practice"]
    search_fields = ["practice__name", "place", "chair__username", "chair__last_name"]
    date_hierarchy = "starts_at"
    list_select_related = ["practice", "chair"]
    raw_id_fields = ["chair", "created_by"]
    inlines = [MeetingMemberInline, AgendaItemInline]


@admin.register(MeetingMember)
class MeetingMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "member_role", "meeting", "user", "attended"]
    list_filter = ["member_role", "attended"]
    search_fields = ["name", "email", "user__username"]
    list_select_related = ["meeting__practice", "user"]
    raw_id_fields = ["meeting", "user"]


class PlanActionInline(admin.TabularInline):
    model = PlanAction
    extra = 0
    raw_id_fields = ["owner", "created_by"]


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["__str__", "client", "volunteer", "key_worker"]
    list_filter = ["meeting__state", "meeting__practice", ("volunteer", admin.EmptyFieldListFilter)]
    search_fields = ["client__last_name", "client__first_name", "reason", "decisions"]
    list_select_related = ["meeting__practice", "client", "volunteer__user", "key_worker"]
    raw_id_fields = [
        "meeting",
        "escalation",
        "client",
        "volunteer",
        "added_by",
        "key_worker",
        "plan_updated_by",
    ]
    inlines = [PlanActionInline]


@admin.register(PlanAction)
class PlanActionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "owner", "owner_name", "due_on", "done_at"]
    list_filter = [("done_at", admin.EmptyFieldListFilter), "item__meeting__practice"]
    search_fields = ["description", "owner_name", "owner__username"]
    date_hierarchy = "due_on"
    list_select_related = ["owner", "item__meeting__practice"]
    raw_id_fields = ["item", "owner", "created_by"]
