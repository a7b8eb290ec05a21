from django.apps import AppConfig


class MdtConfig(AppConfig):
    name = "mdt"
    verbose_name = "MDT meetings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models import Q
        from django.db.models.functions import Now

        from clients.selectors import CONTACT_SOURCES
        from clients.signals import client_anonymised, consent_withdrawn
        from livingwell.calendar import CALENDAR_SOURCES
        from livingwell.home import HOME_PANELS
        from livingwell.signals import practice_stopped_volunteers
        from volunteers.signals import agreement_lapsed, mdt_wish_withdrawn
        from volunteers.workload import WORKLOAD_PROVIDERS, WorkloadProvider, count_via

        from . import signals
        from .calendar import mdt_events
        from .enums import MeetingState
        from .home import mdt_panel

        consent_withdrawn.connect(signals.on_consent_withdrawn, dispatch_uid="mdt.consent")
        agreement_lapsed.connect(signals.on_agreement_lapsed, dispatch_uid="mdt.agreement")
        mdt_wish_withdrawn.connect(signals.on_mdt_wish_withdrawn, dispatch_uid="mdt.wish")
        client_anonymised.connect(signals.on_client_anonymised, dispatch_uid="mdt.anonymised")
        practice_stopped_volunteers.connect(
            signals.on_practice_stopped_volunteers, dispatch_uid="mdt.practice"
        )
        # A case discussed at an MDT is contact: retention counts from it.
        if ("mdt_items", "added_at") not in CONTACT_SOURCES:
            CONTACT_SOURCES.append(("mdt_items", "added_at"))
        if mdt_events not in CALENDAR_SOURCES:
            CALENDAR_SOURCES.append(mdt_events)
        if mdt_panel not in HOME_PANELS:
            HOME_PANELS.append(mdt_panel)
        if not any(p.key == "mdts" for p in WORKLOAD_PROVIDERS):
            WORKLOAD_PROVIDERS.append(
                WorkloadProvider(
                    key="mdts",
                    label="MDT meetings they are expected at",
                    hint="Coming meetings with a published agenda where they attend an item.",
                    expression=lambda: count_via(
                        "mdt_items",
                        "meeting",
                        filter=Q(meeting__state=MeetingState.PUBLISHED)
                        & Q(meeting__ends_at__gte=Now()),
                    ),
                )
            )
