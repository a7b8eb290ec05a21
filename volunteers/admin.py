from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from .models import AgreementSignature, ConfidentialityAgreement, TrainingRecord, Volunteer
from .services import agreement_publish, signature_remove


class ReadOnlyHistoryMixin:
    """History is an audit: admins read it, nobody reverts it."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("History is read only.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class TrainingInline(admin.TabularInline):
    model = TrainingRecord
    extra = 0
    autocomplete_fields = ["recorded_by"]


class SignatureInline(admin.TabularInline):
    model = AgreementSignature
    extra = 0
    autocomplete_fields = ["recorded_by"]
    # Removing a signature tells other apps the agreement lapsed: use the signature list.
    can_delete = False


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnlyHistoryMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "locality", "status", "mdt_wish"]
    list_filter = ["locality", "status", "mdt_wish"]
    search_fields = ["user__first_name", "user__last_name", "user__username", "skills"]
    list_select_related = ["user", "locality"]
    autocomplete_fields = ["user"]
    inlines = [TrainingInline, SignatureInline]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "module", "completed_on", "expires_on"]
    list_filter = ["module"]
    search_fields = ["volunteer__user__first_name", "volunteer__user__last_name"]
    list_select_related = ["volunteer__user"]
    autocomplete_fields = ["volunteer", "recorded_by"]


@admin.register(ConfidentialityAgreement)
class ConfidentialityAgreementAdmin(admin.ModelAdmin):
    list_display = ["version", "in_force_from", "lapses_sent_at"]
    search_fields = ["version", "text"]
    list_filter = ["in_force_from"]
    readonly_fields = ["lapses_sent_at"]

    def get_readonly_fields(self, request, obj=None):
        # A published version is what volunteers signed: it is never rewritten.
        if obj is not None:
            return ["version", "text", "in_force_from", "lapses_sent_at"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        published = agreement_publish(
            version=obj.version, text=obj.text, in_force_from=obj.in_force_from, by=request.user
        )
        obj.pk = published.pk
        obj.lapses_sent_at = published.lapses_sent_at


@admin.register(AgreementSignature)
class AgreementSignatureAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "agreement", "signed_on"]
    list_filter = ["agreement"]
    search_fields = ["volunteer__user__first_name", "volunteer__user__last_name"]
    list_select_related = ["volunteer__user", "agreement"]
    autocomplete_fields = ["volunteer", "recorded_by"]

    def delete_model(self, request, obj):
        signature_remove(signature=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for signature in queryset.select_related("volunteer"):
            signature_remove(signature=signature, by=request.user)
