"""The checks every journey relies on fail when a page is wrong, and pass when it is right."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

GOOD_FORM = """<!DOCTYPE html><html lang="en"><head><title>{title}</title></head><body><main>
<div class="govuk-error-summary" tabindex="-1" {focus}>
  <h2>There is a problem</h2>
  <ul class="govuk-error-summary__list"><li><a href="#{target}">Enter a name</a></li></ul>
</div>
<h1>Form</h1>
<label for="id_name">Name</label>
<p class="govuk-error-message" id="name-error">Enter a name</p>
<input id="id_name" name="name" aria-describedby="{describedby}">
</main>
<script>
  const summary = document.querySelector('.govuk-error-summary');
  if (summary.hasAttribute('autofocus')) summary.focus();
  for (const a of summary.querySelectorAll('a')) a.addEventListener('click', (e) => {{
    const field = document.getElementById(a.hash.slice(1));
    if (field) {{ e.preventDefault(); field.focus(); }}
  }});
</script></body></html>"""


def form(title="Error: Form", focus="autofocus", target="id_name", describedby="name-error"):
    return GOOD_FORM.format(title=title, focus=focus, target=target, describedby=describedby)


def test_axe_check_names_rule_target_and_help(blank_ui):
    blank_ui.page.set_content(
        '<html lang="en"><title>t</title><main><h1>t</h1><input id="age"></main></html>'
    )
    with pytest.raises(AssertionError) as failure:
        blank_ui.check_axe()
    message = str(failure.value)
    assert "- label (critical): Form elements must have labels" in message
    assert "at #age" in message
    assert "dequeuniversity.com/rules/axe/" in message


def test_axe_check_passes_a_clean_page(blank_ui):
    blank_ui.page.set_content(
        '<html lang="en"><title>t</title><main><h1>t</h1>'
        '<label for="age">Age</label><input id="age"></main></html>'
    )
    blank_ui.check_axe()


def test_reflow_check_names_what_sticks_out_at_320px(blank_ui):
    blank_ui.page.set_content(
        '<html lang="en"><title>t</title><meta name="viewport" content="width=device-width">'
        '<body><main><h1>t</h1><table class="wide" style="width:600px"><tr><td>x</td></tr>'
        "</table></main></body></html>"
    )
    with pytest.raises(AssertionError) as failure:
        blank_ui.check_reflow()
    assert re.search(r"scrollWidth \d+ > clientWidth 320", str(failure.value))
    assert "table.wide" in str(failure.value)
    assert blank_ui.page.viewport_size["width"] == 390, "the viewport is put back"


def test_reflow_check_passes_a_page_that_wraps(blank_ui):
    blank_ui.page.set_content(
        '<html lang="en"><title>t</title><meta name="viewport" content="width=device-width">'
        "<body><main><h1>t</h1><p>" + "word " * 200 + "</p>"
        "</main></body></html>"
    )
    blank_ui.check_reflow()


def test_reflow_check_fails_a_page_laid_out_for_a_desktop(blank_ui):
    blank_ui.page.set_content('<html lang="en"><title>t</title><body><p>t</p></body></html>')
    with pytest.raises(AssertionError, match="laid out 980 px wide in a 320 px window"):
        blank_ui.check_reflow()


def test_script_errors_fail_the_page(blank_ui):
    blank_ui.page.set_content("<html><body><script>throw new Error('boom')</script></body></html>")
    with pytest.raises(AssertionError, match="boom"):
        blank_ui.check_no_script_errors()


def test_error_summary_check_passes_the_gov_uk_pattern(blank_ui):
    blank_ui.page.set_content(form())
    assert blank_ui.expect_error_summary("id_name") == ["Enter a name"]


@pytest.mark.parametrize(
    ("page", "complaint"),
    [
        (form(title="Form"), "lacks 'Error: '"),
        (form(focus=""), "focus is not on the error summary"),
        (form(target="id_missing"), "targets #id_missing: 0 found"),
        (form(describedby=""), "is not in its aria-describedby"),
    ],
    ids=["title", "focus", "link-target", "described-by"],
)
def test_error_summary_check_fails_each_broken_part(blank_ui, page, complaint):
    blank_ui.page.set_content(page)
    with pytest.raises(AssertionError, match=re.escape(complaint)):
        blank_ui.expect_error_summary()


def test_tab_to_fails_on_an_invisible_focus(blank_ui):
    blank_ui.page.set_content(
        '<html lang="en"><body><a href="#a" id="a">one</a>'
        '<a href="#b" id="b" style="outline:none">two</a></body></html>'
    )
    assert blank_ui.tab_to("#a") == 1
    with pytest.raises(AssertionError, match="no visible focus"):
        blank_ui.tab_to("#b")
