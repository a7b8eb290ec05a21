from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AgreementSignature, ConfidentialityAgreement, TrainingRecord, Volunteer


class TrainingInline(admin.TabularInline):
    model = TrainingRecord
    extra = 0
    autocomplete_fields = ["recorded_by"]


class SignatureInline(admin.TabularInline):
    model = AgreementSignature
    extra = 0
    autocomplete_fields = ["recorded_by"]


@admin.register(Volunteer)
class VolunteerAdmin(SimpleHistoryAdmin):
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


@admin.register(ConfidentialityAgreement)
class ConfidentialityAgreementAdmin(admin.ModelAdmin):
    list_display = ["version", "in_force_from"]
    search_fields = ["version", "text"]
    list_filter = ["in_force_from"]


@admin.register(AgreementSignature)
class AgreementSignatureAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "agreement", "signed_on"]
    list_filter = ["agreement"]
    search_fields = ["volunteer__user__first_name", "volunteer__user__last_name"]
    list_select_related = ["volunteer__user", "agreement"]
