from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    """The cross-app, read-only evidence dashboard (seed s4.2 point 5, recommendation 2)."""

    name = "evidence"
    verbose_name = "Evidence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from livingwell.home import HOME_PANELS

        from .home import evidence_panel
        from .metrics import EXTRA_FIGURES, mdt_figures

        if evidence_panel not in HOME_PANELS:
            HOME_PANELS.append(evidence_panel)
        if mdt_figures not in EXTRA_FIGURES:
            EXTRA_FIGURES.append(mdt_figures)
