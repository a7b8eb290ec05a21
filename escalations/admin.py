from django.contrib import admin

from .models import (
    Escalation,
    EscalationEvent,
    Observation,
    OnCallShift,
    Outcome,
    QuestionMessage,
    Referral,
    RoutingRule,
    Service,
    UrgencyPolicy,
)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "is_medical", "contact_name", "phone", "active"]
    list_filter = ["is_medical", "active", "localities"]
    search_fields = ["name", "contact_name", "organisation", "helps_with"]
    filter_horizontal = ["localities"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "locality",
        "urgency",
        "service",
        "triage_role",
        "priority",
        "active",
    ]
    list_filter = ["kind", "locality", "urgency", "triage_role", "active"]
    search_fields = ["service__name"]
    list_select_related = ["locality", "service"]


@admin.register(UrgencyPolicy)
class UrgencyPolicyAdmin(admin.ModelAdmin):
    list_display = ["urgency", "due_within"]
    list_filter = ["urgency"]
    search_fields = ["urgency"]


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    list_display = ["team_leader", "locality", "starts_at", "ends_at"]
    list_filter = ["locality"]
    search_fields = ["team_leader__first_name", "team_leader__last_name"]
    list_select_related = ["team_leader", "locality"]
    date_hierarchy = "starts_at"


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ["id", "client", "volunteer", "kind", "urgency", "created_at", "by_phone"]
    list_filter = ["kind", "urgency", "by_phone"]
    search_fields = ["client__last_name", "volunteer__user__last_name"]
    list_select_related = ["client", "volunteer__user"]
    raw_id_fields = ["client", "volunteer", "logged_by"]
    date_hierarchy = "created_at"


class EventInline(admin.TabularInline):
    model = EscalationEvent
    extra = 0
    readonly_fields = ["at", "actor", "action", "summary", "volunteer_summary"]
    can_delete = False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "urgency",
        "state",
        "locality",
        "owner",
        "due_at",
        "routing_status",
        "created_at",
    ]
    list_filter = ["state", "urgency", "kind", "routing_status", "locality"]
    search_fields = ["id", "observation__client__last_name"]
    list_select_related = ["locality", "owner"]
    raw_id_fields = ["observation", "owner", "service"]
    list_per_page = 50
    inlines = [EventInline]


@admin.register(EscalationEvent)
class EscalationEventAdmin(admin.ModelAdmin):
    list_display = ["escalation", "at", "actor", "action"]
    list_filter = ["action"]
    search_fields = ["summary"]
    raw_id_fields = ["escalation", "actor"]


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["escalation", "service", "channel", "sent_at", "by"]
    list_filter = ["channel", "service"]
    search_fields = ["what_was_shared"]
    raw_id_fields = ["escalation"]


@admin.register(QuestionMessage)
class QuestionMessageAdmin(admin.ModelAdmin):
    list_display = ["escalation", "author", "at"]
    list_filter = ["at"]
    search_fields = ["text"]
    raw_id_fields = ["escalation", "author"]


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["escalation", "went_well", "recorded_by", "recorded_at"]
    list_filter = ["went_well"]
    search_fields = ["summary", "message_for_volunteer"]
    raw_id_fields = ["escalation"]
