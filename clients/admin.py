"""Clients in the Django admin. Changes go through ``clients.services`` so that the audit log
and the volunteers' object permissions stay in step with what admins do here."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from guardian.admin import GuardedModelAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from livingwell.audit import audit
from livingwell.enums import AuditAction

from .models import Assignment, Client, ConsentRecord, Need
from .services import (
    CLIENT_FIELDS,
    ClientError,
    assignment_create,
    assignment_end,
    assignment_refusal_reasons,
    client_create,
    client_update,
)


class ReadOnlyHistoryMixin:
    """History is an audit: admins read it, nobody reverts it."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("History is read only.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class NeedInline(admin.TabularInline):
    model = Need
    extra = 0


@admin.register(Client)
class ClientAdmin(ReadOnlyHistoryMixin, GuardedModelAdminMixin, SimpleHistoryAdmin):
    list_display = ["last_name", "first_name", "practice", "locality", "status"]
    list_filter = ["locality", "status", "practice"]
    search_fields = ["first_name", "last_name", "nhs_number", "postcode"]
    list_select_related = ["practice", "locality"]
    readonly_fields = ["locality", "created_at"]
    inlines = [NeedInline]

    def save_model(self, request, obj, form, change):
        data = {name: getattr(obj, name) for name in CLIENT_FIELDS}
        if change:
            original = Client.objects.get(pk=obj.pk)
            client_update(client=original, by=request.user, data=data, request=request)
        else:
            created = client_create(by=request.user, request=request, **data)
            obj.pk = created.pk
            obj.locality_id = created.locality_id

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for need in formset.new_objects:
            audit(
                actor=request.user,
                action=AuditAction.CREATE,
                obj=need,
                client_id=need.client_id,
                summary="Need added in the admin",
                request=request,
            )
        for need, _fields in formset.changed_objects:
            audit(
                actor=request.user,
                action=AuditAction.UPDATE,
                obj=need,
                client_id=need.client_id,
                summary="Need changed in the admin",
                request=request,
            )
        for need in formset.deleted_objects:
            audit(
                actor=request.user,
                action=AuditAction.DELETE,
                obj=need,
                client_id=need.client_id,
                summary="Need deleted in the admin",
                request=request,
            )


class AssignmentAdminForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["client", "volunteer", "started_on", "ended_on", "end_reason"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and data.get("client") and data.get("volunteer"):
            reasons = assignment_refusal_reasons(client=data["client"], volunteer=data["volunteer"])
            if reasons:
                raise ValidationError(
                    f"{data['volunteer']} cannot be assigned yet: " + "; ".join(reasons)
                )
        return data


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyHistoryMixin, SimpleHistoryAdmin):
    form = AssignmentAdminForm
    list_display = ["client", "volunteer", "started_on", "ended_on"]
    list_filter = [("ended_on", admin.EmptyFieldListFilter)]
    search_fields = ["client__last_name", "volunteer__user__last_name"]
    list_select_related = ["client", "volunteer__user"]
    raw_id_fields = ["client", "volunteer"]
    actions = ["end_assignments"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["ended_on", "end_reason"]
        # Only ending is a change; who visits whom since when is history.
        if obj.ended_on is not None:
            return ["client", "volunteer", "started_on", "ended_on", "end_reason"]
        return ["client", "volunteer", "started_on"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            if not change:
                created = assignment_create(
                    client=obj.client,
                    volunteer=obj.volunteer,
                    started_on=obj.started_on,
                    by=request.user,
                    request=request,
                )
                obj.pk = created.pk
            elif obj.ended_on is not None:
                assignment_end(
                    assignment=obj,
                    ended_on=obj.ended_on,
                    reason=obj.end_reason,
                    by=request.user,
                    request=request,
                )
        except ClientError as exc:
            messages.error(request, str(exc))

    @admin.action(description="End the selected assignments today")
    def end_assignments(self, request, queryset):
        ended = 0
        for assignment in queryset.filter(ended_on__isnull=True):
            assignment_end(assignment=assignment, by=request.user, request=request)
            ended += 1
        messages.success(request, f"{ended} assignment(s) ended.")


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyHistoryMixin, SimpleHistoryAdmin):
    """Consent records are never edited: a change of mind is a new record (made on the client's
    page, so that a withdrawal acts everywhere at once)."""

    list_display = ["client", "scope", "action", "method", "recorded_at", "recorded_by"]
    list_filter = ["scope", "action", "method"]
    search_fields = ["client__last_name", "client__first_name"]
    list_select_related = ["client", "recorded_by"]
    raw_id_fields = ["client"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Need)
class NeedAdmin(ReadOnlyHistoryMixin, SimpleHistoryAdmin):
    list_display = ["description", "client", "kind", "met"]
    list_filter = ["kind", "met"]
    search_fields = ["description", "client__last_name"]
    list_select_related = ["client"]
    raw_id_fields = ["client"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit(
            actor=request.user,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            obj=obj,
            client_id=obj.client_id,
            summary="Need changed in the admin" if change else "Need added in the admin",
            request=request,
        )

    def delete_model(self, request, obj):
        client_id = obj.client_id
        audit(
            actor=request.user,
            action=AuditAction.DELETE,
            obj=obj,
            client_id=client_id,
            summary="Need deleted in the admin",
            request=request,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for need in queryset:
            self.delete_model(request, need)
