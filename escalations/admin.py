from django.contrib import admin, messages

from . import services
from .enums import RoutingStatus, StoryState
from .models import (
    Escalation,
    EscalationEvent,
    Observation,
    OnCallShift,
    Outcome,
    OutcomeResponse,
    QuestionMessage,
    Referral,
    RoutingRule,
    Service,
    Story,
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
    """A rule with no kind, locality or urgency is the fallback: keep one, so that nothing
    is left unrouted (the code's own fallback applies when there is none)."""

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
    """State, version and routing change only through the services (the state machine and the
    routing claim), so they are read-only here; the actions below call those services."""

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
    # Newest first walks the primary key; the model's queue order would sort a region's
    # million rows on every page. The exact total is one more full count: skip it.
    ordering = ["-id"]
    show_full_result_count = False
    inlines = [EventInline]
    readonly_fields = [
        "observation",
        "locality",
        "kind",
        "urgency",
        "urgency_rank",
        "created_at",
        "state",
        "version",
        "owner",
        "service",
        "due_at",
        "routing_status",
        "routing_attempts",
        "routing_claimed_at",
        "routed_at",
        "routing_error",
        "triaged_at",
        "referred_at",
        "put_to_mdt_at",
        "closed_at",
        "owner_reminded_at",
        "lead_reminded_at",
        "sms_sent_at",
    ]
    actions = ["route_again"]

    def has_add_permission(self, request):
        return False  # escalations come from observations

    @admin.action(description="Route again (escalations whose routing failed)")
    def route_again(self, request, queryset):
        done = 0
        for escalation in queryset.filter(routing_status=RoutingStatus.FAILED):
            try:
                services.routing_retry(escalation=escalation, by=request.user)
            except services.EscalationError as exc:
                self.message_user(request, f"{escalation}: {exc}", messages.WARNING)
            else:
                done += 1
        self.message_user(request, f"{done} sent to be routed again.")


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


@admin.register(OutcomeResponse)
class OutcomeResponseAdmin(admin.ModelAdmin):
    list_display = ["outcome", "kind", "author", "at"]
    list_filter = ["kind"]
    search_fields = ["text"]
    raw_id_fields = ["outcome", "author"]


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    """Publishing runs the identifying-details and consent checks, so it is an action here."""

    list_display = ["title", "locality", "state", "published_at", "written_by"]
    list_filter = ["state", "locality"]
    search_fields = ["title", "body"]
    list_select_related = ["locality", "written_by"]
    raw_id_fields = ["escalation", "written_by", "published_by"]
    readonly_fields = [
        "escalation",
        "locality",
        "state",
        "published_at",
        "published_by",
        "unpublished_at",
        "unpublished_reason",
        "created_at",
        "updated_at",
        "written_by",
    ]
    fields = ["title", "body", *readonly_fields]
    actions = ["publish", "unpublish"]

    def has_add_permission(self, request):
        return False  # written from the escalation page, where consent is checked

    def save_model(self, request, obj, form, change):
        try:
            services.story_save(
                escalation=obj.escalation, by=request.user, title=obj.title, body=obj.body
            )
        except services.StoryRefused as exc:
            self.message_user(request, f"Not saved: {exc}", messages.ERROR)

    @admin.action(description="Publish (after the identifying-details check)")
    def publish(self, request, queryset):
        for story in queryset.exclude(state=StoryState.PUBLISHED):
            try:
                services.story_publish(story=story, by=request.user)
            except services.StoryRefused as exc:
                self.message_user(request, f"{story}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{story}: published.")

    @admin.action(description="Take off the stories page")
    def unpublish(self, request, queryset):
        for story in queryset.filter(state=StoryState.PUBLISHED):
            services.story_unpublish(story=story, by=request.user, reason="taken down by an admin")
        self.message_user(request, "Done.")
