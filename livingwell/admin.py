from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AuditEntry, Locality, LocalityModel, Notification, Practice, Session, User
from .services import practice_save, user_set_role


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records nobody edits (the audit log): admins read them, no one changes them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LocalityModelInline(admin.TabularInline):
    model = LocalityModel
    extra = 0


@admin.register(Locality)
class LocalityAdmin(admin.ModelAdmin):
    list_display = ["name", "lead"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [LocalityModelInline]
    list_select_related = ["lead"]


@admin.register(LocalityModel)
class LocalityModelAdmin(admin.ModelAdmin):
    list_display = ["locality", "model", "started_on", "ended_on"]
    list_filter = ["model", "locality"]
    search_fields = ["locality__name", "notes"]


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ["name", "ods_code", "locality", "volunteers_may_attend_mdt", "agenda_order"]
    list_filter = ["locality", "volunteers_may_attend_mdt"]
    search_fields = ["name", "ods_code", "contact_name"]
    list_select_related = ["locality"]

    def save_model(self, request, obj, form, change):
        practice_save(practice=obj, by=request.user)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "locality", "is_active"]
    list_filter = ["role", "locality", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    list_select_related = ["locality"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Living Well", {"fields": ("role", "locality", "practices", "phone", "job_title")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("Living Well", {"fields": ("role", "locality", "email", "first_name", "last_name")}),
    )
    filter_horizontal = ["practices", "groups", "user_permissions"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        user_set_role(user=obj, role=obj.role)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "client_id", "summary"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "summary", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["actor"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "user", "created_at", "read_at", "emailed_at"]
    list_filter = ["send_email", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "user__username"]
    list_select_related = ["user"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    """Who is signed in, and until when. An admin ends a session by deleting it; its data
    (signed, and holding nothing a person needs to read) is not shown."""

    list_display = ["user", "expire_date"]
    list_filter = [("user", admin.EmptyFieldListFilter), "expire_date"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    fields = ["user", "expire_date"]
    readonly_fields = ["user", "expire_date"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
