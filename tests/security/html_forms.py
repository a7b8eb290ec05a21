"""The POST forms of a page and their fields, read from its HTML (for the fuzz test)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

TYPED = {"text", "email", "password", "number", "tel", "search", "url", "date", "time"}


@dataclass
class Form:
    action: str
    fields: dict = field(default_factory=dict)  # name -> ("text", default) / ("choice", [values])

    @property
    def typed(self) -> bool:
        """Has a field a person types into or chooses from (not only buttons and hidden)."""
        return any(kind in ("text", "choice") for kind, _ in self.fields.values())


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.form = Form(action=a.get("action", ""))
            self.forms.append(self.form)
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = a.get("type", "text").lower()
            if kind in TYPED:
                self.form.fields[name] = ("text", a.get("value", ""))
            elif kind in ("radio", "checkbox"):
                values = self.form.fields.get(name, ("choice", []))[1]
                self.form.fields[name] = ("choice", [*values, a.get("value", "on")])
            elif kind == "hidden":
                self.form.fields[name] = ("hidden", a.get("value", ""))
        elif tag == "textarea" and name:
            self.form.fields[name] = ("text", "")
        elif tag == "select" and name:
            self.select = name
            self.form.fields[name] = ("choice", [])
        elif tag == "option" and self.select:
            self.form.fields[self.select][1].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None


def post_forms(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms
