"""What every journey checks on every page, in one place.

``UI`` wraps one Playwright page. ``goto`` and ``submit`` check the page they land on: axe-core
with the WCAG 2.0, 2.1 and 2.2 A and AA rules finds nothing, the page does not scroll sideways at
320 CSS pixels (WCAG 1.4.10 reflow: 1280 px at 400% zoom), and no script failed.
``expect_error_summary`` checks the GOV.UK pattern after a failed submit.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

from livingwell.security.policy import is_staff_user
from tests.factories import PASSWORD
from tests.otp import give_totp_device, next_code

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    },
    "resultTypes": ["violations"],
}
REFLOW_WIDTH = 320

_axe = Axe()

# The elements that stick out past the right edge inside a parent that does not: the ones to
# name in a failure.
_OVERFLOW_JS = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className.trim()
       ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const wide = [...document.body.querySelectorAll('*')].filter(
    (el) => el.getBoundingClientRect().right > width + 0.5);
  const roots = wide.filter((el) => !wide.includes(el.parentElement));
  return {scrollWidth: root.scrollWidth, clientWidth: width,
          offenders: roots.slice(0, 8).map(
            (el) => describe(el) + ' (right edge ' + Math.round(el.getBoundingClientRect().right)
                    + 'px)')};
}"""

# Is the focused element's focus visible? GOV.UK draws it with an outline, a box shadow or a
# yellow background: any of the three counts.
_FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: 'body', visible: false, text: ''};
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
    && !/rgba\\(.*,\\s*0\\)$/.test(s.outlineColor) && s.outlineColor !== 'transparent';
  const visible = outline || s.boxShadow !== 'none' || s.backgroundColor === 'rgb(255, 221, 0)';
  return {tag: el.tagName.toLowerCase(), id: el.id, visible: visible,
          text: (el.innerText || el.value || el.name || '').trim().slice(0, 60)};
}"""


# A field's inline error message must be tied to the field (or its fieldset) for screen readers.
# A form-level error (no inline message says it) only needs its link to land on a field.
_INLINE_ERROR_TIED_JS = """([id, message]) => {
  const inline = [...document.querySelectorAll('.govuk-error-message')].filter(
    (m) => m.textContent.replace(/^\\s*Error:\\s*/, '').trim() === message);
  if (!inline.length) return true;
  const el = document.getElementById(id);
  return [el, el.closest('fieldset')].filter(Boolean).some((holder) =>
    (holder.getAttribute('aria-describedby') || '').split(/\\s+/).some(
      (ref) => inline.includes(document.getElementById(ref))));
}"""


def format_axe_violations(violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} accessibility violation(s):"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} <{v.get('helpUrl', '')}>")
        for node in v["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"       {summary}")
        if len(v["nodes"]) > 10:
            lines.append(f"    ... and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


class UI:
    """One browser tab, and the checks every page it reaches must pass."""

    def __init__(self, page):
        self.page = page
        self.script_errors: list[str] = []
        page.on("pageerror", lambda exc: self.script_errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: (
                msg.type == "error"
                and not msg.text.startswith("Failed to load resource")
                and self.script_errors.append(msg.text)
            ),
        )

    # -- navigation ---------------------------------------------------------------------------
    def goto(self, path: str, *, status: int = 200) -> UI:
        response = self.page.goto(path)
        assert response is not None
        assert response.status == status, f"GET {path}: HTTP {response.status}, not {status}"
        self.check()
        return self

    def submit(self, button: str = "Save", *, status: int | None = None) -> UI:
        """Click the form's button by its name and check the page that comes back."""
        with self.page.expect_navigation() as nav:
            self.page.get_by_role("button", name=button, exact=True).click()
        self._expect_status(nav.value, status)
        self.check()
        return self

    def press_enter(self, *, status: int | None = None) -> UI:
        """Submit the form of the focused field with the keyboard, and check the result."""
        with self.page.expect_navigation() as nav:
            self.page.keyboard.press("Enter")
        self._expect_status(nav.value, status)
        self.check()
        return self

    def _expect_status(self, response, status):
        if status is not None:
            assert response is not None
            assert response.status == status, f"{response.url}: HTTP {response.status}"

    @property
    def path(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.page.url).path

    def heading(self) -> str:
        return self.page.locator("h1").first.inner_text().strip()

    def title(self) -> str:
        return self.page.title()

    def main_text(self) -> str:
        return self.page.locator("main").inner_text()

    # -- the checks on every page -------------------------------------------------------------
    def check(self) -> UI:
        self.check_axe()
        self.check_reflow()
        self.check_heading_order()
        self.check_no_script_errors()
        return self

    def check_axe(self) -> None:
        results = _axe.run(self.page, options=AXE_OPTIONS)
        violations = results.response["violations"]
        if violations:
            raise AssertionError(f"{self.page.url}\n{format_axe_violations(violations)}")

    def check_reflow(self) -> None:
        size = self.page.viewport_size
        self.page.set_viewport_size({"width": REFLOW_WIDTH, "height": size["height"]})
        try:
            found = self.page.evaluate(_OVERFLOW_JS)
        finally:
            self.page.set_viewport_size(size)
        # Without a width=device-width viewport a phone lays the page out 980 px wide, and
        # nothing could ever overflow: that is a failure in itself.
        assert found["clientWidth"] <= REFLOW_WIDTH, (
            f"{self.page.url} is laid out {found['clientWidth']} px wide in a {REFLOW_WIDTH} px "
            "window (no width=device-width viewport?)"
        )
        if found["scrollWidth"] > found["clientWidth"]:
            raise AssertionError(
                f"{self.page.url} scrolls sideways at {REFLOW_WIDTH} CSS px: scrollWidth "
                f"{found['scrollWidth']} > clientWidth {found['clientWidth']}; too wide: "
                + ", ".join(found["offenders"])
            )

    def check_heading_order(self) -> None:
        """One h1, and no heading more than one level below the one before it (WCAG 1.3.1:
        a screen reader's list of headings is the page's outline). axe files this under best
        practice, not the WCAG tags, so it is checked here."""
        levels = self.page.evaluate(
            "() => [...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5,"
            " main h6')].map((h) => [Number(h.tagName[1]), h.textContent.trim().slice(0, 60)])"
        )
        assert [lvl for lvl, _ in levels].count(1) == 1, f"{self.page.url}: h1s in {levels}"
        for (before, _), (level, text) in zip(levels, levels[1:], strict=False):
            assert level <= before + 1, (
                f"{self.page.url}: heading {text!r} is an h{level} straight after an h{before}"
            )

    def check_no_script_errors(self) -> None:
        errors, self.script_errors = self.script_errors, []
        assert not errors, f"{self.page.url}: script or CSP errors: {errors}"

    # -- forms --------------------------------------------------------------------------------
    def expect_error_summary(self, *field_ids: str, keyboard: bool = False) -> list[str]:
        """The GOV.UK pattern after a failed submit: the title starts 'Error: ', focus is on the
        error summary, and each of its links targets a field on the page. With ``field_ids``,
        the links must target exactly those fields, in that order. Returns the messages.

        The first link is then followed (with ``keyboard``: one Tab from the summary, then
        Enter, as a keyboard user would) and must put the cursor in its field."""
        page = self.page
        assert page.title().startswith("Error: "), f"title {page.title()!r} lacks 'Error: '"
        summary = page.locator(".govuk-error-summary")
        assert summary.count() == 1, "no GOV.UK error summary on the page"
        focused_in_summary = page.evaluate(
            "() => !!document.activeElement?.closest('.govuk-error-summary')"
        )
        assert focused_in_summary, "focus is not on the error summary, but on " + page.evaluate(
            "() => document.activeElement?.outerHTML.slice(0, 200)"
        )
        links = summary.locator(".govuk-error-summary__list a")
        assert links.count() > 0, "the error summary lists no errors"
        targets, messages = [], []
        for i in range(links.count()):
            link = links.nth(i)
            href = link.get_attribute("href") or ""
            assert href.startswith("#"), f"error link {link.inner_text()!r} goes to {href!r}"
            target = href[1:]
            count = page.locator(f"[id='{target}']").count()
            assert count == 1, f"error link {link.inner_text()!r} targets #{target}: {count} found"
            targets.append(target)
            messages.append(link.inner_text().strip())
        if field_ids:
            assert targets == list(field_ids), f"error summary links to {targets}"
        # Following the first link puts the cursor in its field.
        if keyboard:
            page.keyboard.press("Tab")
            on_link = page.evaluate(
                "() => document.activeElement?.closest('.govuk-error-summary__list') !== null"
                " && document.activeElement.tagName === 'A'"
            )
            assert on_link, f"one Tab from the error summary reached {self.focused()}"
            assert self.focused()["visible"], "the error link's focus is not visible"
            page.keyboard.press("Enter")
        else:
            links.first.click()
        focused = page.evaluate("() => document.activeElement?.id")
        assert focused == targets[0], f"the first error link focused {focused!r}, not {targets[0]}"
        for target, message in zip(targets, messages, strict=True):
            assert page.evaluate(_INLINE_ERROR_TIED_JS, [target, message]), (
                f"#{target}'s error message {message!r} is not in its aria-describedby"
            )
        return messages

    # -- keyboard -----------------------------------------------------------------------------
    def tab_to(self, selector: str, *, max_presses: int = 40, key: str = "Tab") -> int:
        """Press Tab until ``selector`` has focus; every stop on the way must show its focus.
        Returns the number of presses."""
        page = self.page
        for presses in range(1, max_presses + 1):
            page.keyboard.press(key)
            focus = page.evaluate(_FOCUS_JS)
            assert focus["visible"], f"no visible focus on {focus} after {presses} Tab(s)"
            if page.evaluate("(sel) => document.activeElement.matches(sel)", selector):
                return presses
        raise AssertionError(f"{selector} never took focus in {max_presses} presses of {key}")

    def focused(self) -> dict:
        return self.page.evaluate(_FOCUS_JS)

    # -- signing in ---------------------------------------------------------------------------
    def sign_in(self, user, password: str = PASSWORD) -> UI:
        """Sign in through the real form (staff: and the code step, with a code from the
        known test key of tests/otp.py); land on the home page."""
        device = give_totp_device(user) if is_staff_user(user) else None
        self.goto("/sign-in/")
        self.page.get_by_label("Username").fill(user.username)
        self.page.get_by_label("Password").fill(password)
        self.submit("Sign in")
        if device is not None:
            assert self.path == "/account/code/", f"{user.username} was not asked for a code"
            self.page.get_by_label("Code from your authenticator app").fill(next_code(device))
            self.submit("Continue")
        assert self.path == "/", f"signing in as {user.username} ended at {self.page.url}"
        return self
