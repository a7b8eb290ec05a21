"""Journeys through the foundation: signing in and out, each role's home, errors, notifications."""

from __future__ import annotations

import pytest

from livingwell.models import Notification
from livingwell.services import notify

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_sign_in_fails_then_succeeds(phone, volunteer, password):
    ui = phone.goto("/sign-in/")
    assert ui.heading() == "Sign in to Living Well"

    ui.submit("Sign in", status=200)
    assert ui.expect_error_summary("id_username", "id_password") == [
        "Enter your username",
        "Enter your password",
    ]

    ui.page.get_by_label("Username").fill("vera")
    ui.page.get_by_label("Password").fill("not-the-password")
    ui.submit("Sign in", status=200)
    [message] = ui.expect_error_summary("id_username")
    assert "correct username and password" in message
    assert ui.page.get_by_label("Username").input_value() == "vera"

    ui.page.get_by_label("Password").fill(password)
    ui.submit("Sign in", status=200)
    assert ui.path == "/"
    assert ui.title() == "Your visits – Living Well"
    assert ui.heading() == f"Hello, {volunteer.first_name}"
    assert "In an emergency call 999" in ui.main_text()


def test_keyboard_only_sign_in_and_out(phone, volunteer, password):
    notify(user=volunteer, subject="Coffee morning on Friday", email=False)
    ui = phone.goto("/sign-in/?next=/notifications/")
    page = ui.page

    # The sign-in page opens with the cursor in Username.
    assert ui.focused()["id"] == "id_username"
    page.keyboard.type("vera")
    assert ui.tab_to("#id_password") == 1
    page.keyboard.type(password)
    ui.press_enter(status=200)
    assert ui.path == "/notifications/"
    assert ui.heading() == "Notifications"

    # The first Tab reaches the skip link, and following it skips the header and menu.
    page.keyboard.press("Tab")
    assert ui.focused()["text"] == "Skip to main content"
    assert ui.focused()["visible"]
    page.keyboard.press("Enter")
    assert ui.tab_to("main button") == 1
    assert ui.focused()["text"] == "Mark all as read"

    # Back up past the phone's collapsed menu (one button, not every link) to Sign out.
    assert ui.tab_to("header button", key="Shift+Tab") == 2
    ui.press_enter(status=200)
    assert ui.path == "/sign-in/"
    assert page.get_by_role("button", name="Sign out").count() == 0


def test_on_a_phone_the_menu_opens_from_one_button(open_ui, volunteer, coordinator):
    ui = open_ui("phone").sign_in(volunteer)
    menu = ui.page.get_by_role("navigation", name="Main menu")
    button = menu.get_by_role("button", name="Menu")
    links = menu.get_by_role("link")
    # Collapsed: one button where the links were, so the page starts near the top.
    assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
    assert not links.first.is_visible()

    button.focus()
    ui.page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true"
    assert links.count() > 1 and all(links.nth(i).is_visible() for i in range(links.count()))
    target = menu.get_by_role("link", name="My observations")
    href = target.get_attribute("href")
    target.click()
    ui.page.wait_for_load_state()
    assert ui.path == href
    ui.check()

    # On a wide screen every link shows and there is no button.
    wide = open_ui("desktop").sign_in(coordinator)
    menu = wide.page.get_by_role("navigation", name="Main menu")
    # Waited for: GOV.UK Frontend's script sets the button for the screen's width once it runs.
    button = menu.get_by_role("button", name="Menu")
    button.wait_for(state="hidden")
    assert not button.is_visible()
    assert menu.get_by_role("link").first.is_visible()


# Each role's home: the viewport they use, the page title, and words of its introduction.
HOMES = {
    "volunteer": ("phone", "Your visits", "medically aware, not medically trained"),
    "coordinator": ("desktop", "Coordinator", "Triage what volunteers report"),
    "team_leader": ("desktop", "Team leader on call", "Take volunteers' calls"),
    "mdt_chair": ("desktop", "MDT chair", "consented agenda"),
    "practitioner": ("desktop", "Practitioner", "Read the agendas of the MDTs"),
    "admin": ("desktop", "Administrator", "Manage localities, practices, users"),
}


@pytest.mark.parametrize("role", HOMES)
def test_each_role_home_page(open_ui, users, role):
    viewport, title, intro = HOMES[role]
    user = users[role]
    ui = open_ui(viewport).sign_in(user)
    assert ui.title() == f"{title} – Living Well"
    assert ui.heading() == f"Hello, {user.first_name}"
    assert intro in ui.main_text()
    header = ui.page.locator("header").inner_text()
    assert f"({user.get_role_display()})" in header
    assert (
        ui.page.get_by_role("navigation", name="Main menu")
        .get_by_role("link", name="Home", include_hidden=True)  # a phone's menu is collapsed
        .get_attribute("aria-current")
        == "page"
    )


def test_page_not_found(desktop, coordinator):
    desktop.sign_in(coordinator)
    ui = desktop.goto("/no-such-page/", status=404)
    assert ui.title() == "Page not found – Living Well"
    assert ui.heading() == "Page not found"
    ui.page.get_by_role("link", name="Go to your home page").click()
    ui.page.wait_for_url("**/")
    ui.check()
    assert ui.heading() == f"Hello, {coordinator.first_name}"


def test_notifications_read_one_then_all(phone, volunteer):
    # One more than a page, so the pagination is on the page too.
    for n in range(25):
        notify(user=volunteer, subject=f"Meeting note {n}", body="Coffee at ten.", email=False)
    opened = notify(
        user=volunteer,
        subject="What came of your observation",
        body="The surgery has arranged a lift.\nThank you for telling us.",
        url="/",
        email=False,
    )
    ui = phone.sign_in(volunteer)
    header_link = ui.page.locator("header").get_by_role("link", name="Notifications")
    assert header_link.text_content() == "Notifications 26 unread"

    header_link.click()
    ui.page.wait_for_url("**/notifications/")
    ui.check()
    first = ui.page.locator(".lw-notification").first
    assert "New What came of your observation" in first.inner_text()
    assert "The surgery has arranged a lift." in first.inner_text()
    assert ui.page.get_by_text("Page 1 of 2").is_visible()

    ui.page.get_by_role("button", name="Open What came of your observation").click()
    ui.page.wait_for_url("**/")
    ui.check()
    opened.refresh_from_db()
    assert opened.read_at is not None

    ui.goto("/notifications/?page=2")
    assert ui.page.locator(".lw-notification").count() == 1
    ui.submit("Mark all as read")
    assert ui.path == "/notifications/"
    assert "Marked as read." in ui.main_text()
    assert Notification.objects.filter(user=volunteer, read_at__isnull=True).count() == 0
    assert ui.page.locator(".lw-notification--unread").count() == 0
    assert "unread" not in ui.page.locator("header").inner_text()
