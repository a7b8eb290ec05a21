from django.contrib import admin

from .models import (
    FollowUpAction,
    MeetingAttendance,
    MeetingInvitation,
    MeetingSignUp,
    MeetingTopic,
    VolunteerMeeting,
)


class SignUpInline(admin.TabularInline):
    model = MeetingSignUp
    extra = 0
    autocomplete_fields = ["volunteer"]


class InvitationInline(admin.TabularInline):
    model = MeetingInvitation
    extra = 0
    autocomplete_fields = ["user", "invited_by"]


class TopicInline(admin.TabularInline):
    model = MeetingTopic
    extra = 0
    autocomplete_fields = ["raised_by"]


class AttendanceInline(admin.TabularInline):
    model = MeetingAttendance
    extra = 0
    autocomplete_fields = ["user", "recorded_by"]


class ActionInline(admin.TabularInline):
    model = FollowUpAction
    extra = 0
    autocomplete_fields = ["owner", "created_by"]


@admin.register(VolunteerMeeting)
class VolunteerMeetingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "locality", "kind", "starts_at", "place", "facilitator"]
    list_filter = ["locality", "kind"]
    search_fields = ["title", "place", "notes"]
    date_hierarchy = "starts_at"
    list_select_related = ["locality", "facilitator"]
    autocomplete_fields = ["facilitator", "created_by"]
    inlines = [SignUpInline, InvitationInline, TopicInline, AttendanceInline, ActionInline]


@admin.register(FollowUpAction)
class FollowUpActionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "meeting", "owner", "due_on", "done_at"]
    list_filter = ["meeting__locality"]
    search_fields = ["description"]
    list_select_related = ["meeting__locality", "owner"]
    autocomplete_fields = ["meeting", "owner", "created_by"]


@admin.register(MeetingAttendance)
class MeetingAttendanceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "meeting", "role", "recorded_at"]
    list_filter = ["role", "meeting__locality"]
    search_fields = ["name", "user__first_name", "user__last_name"]
    list_select_related = ["meeting__locality", "user"]
    autocomplete_fields = ["meeting", "user", "recorded_by"]
