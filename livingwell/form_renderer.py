"""Form widgets drawn by Jinja2 where Django ships a Jinja2 version of their template.

Django draws every widget (a text box, a textarea, each radio) and every error list through a
template of the form renderer; with Django's template engine a form of a dozen widgets spent
more time there than in the rest of its page's view. Django's own widgets come with Jinja2
templates that write the same HTML, so they are drawn by Jinja2. A widget whose template has
no Jinja2 version (crispy-forms-gds's date input, written for Django's engine) is drawn by
Django's engine as before.
"""

from __future__ import annotations

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(BaseRenderer):
    """``FORM_RENDERER``: Django's ``Jinja2`` renderer, then ``DjangoTemplates``."""

    def __init__(self):
        self.jinja2 = Jinja2()
        self.django = DjangoTemplates()
        # Names Jinja2 has no template for: asked of Django's engine straight away, rather than
        # searching every Jinja2 directory and raising again for each widget drawn.
        self._django_only: set[str] = set()

    def get_template(self, template_name):
        if template_name not in self._django_only:
            try:
                return self.jinja2.get_template(template_name)
            except TemplateDoesNotExist:
                self._django_only.add(template_name)
        return self.django.get_template(template_name)
