"""Success stories: written only with consent, published only when clean, unpublished at once
when consent is withdrawn, and read only within the locality."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clients.enums import ConsentAction, ConsentMethod, ConsentScope
from clients.services import consent_record
from clients.signals import consent_withdrawn
from escalations import services
from escalations.enums import Action, StoryState
from escalations.models import Escalation, Story

pytestmark = pytest.mark.django_db

CLEAN = "A volunteer noticed a lady had stopped going out. Now she goes to a lunch club weekly."


@pytest.fixture
def closed(routed, coordinator):
    services.escalation_close(
        escalation=routed,
        by=coordinator,
        expected_version=1,
        summary="Lunch club",
        message_for_volunteer="She goes to a lunch club now.",
        went_well=True,
    )
    return Escalation.objects.get(pk=routed.pk)


def edit_url(e):
    return reverse("escalations:story_edit", args=[e.pk])


def test_no_story_without_consent(client_for, coordinator, closed):
    body = client_for(coordinator).get(edit_url(closed)).content.decode()
    assert "The client has not consented to an anonymised story being shared." in body
    assert 'name="body"' not in body
    client_for(coordinator).post(edit_url(closed), {"title": "T", "body": CLEAN})
    assert not Story.objects.exists()


def test_no_story_before_the_escalation_is_closed(coordinator, routed, story_consent):
    with pytest.raises(services.StoryRefused, match="once the escalation is closed"):
        services.story_save(escalation=routed, by=coordinator, title="T", body=CLEAN)


def test_write_publish_and_every_volunteer_of_the_locality_reads_it(
    client_for, coordinator, closed, story_consent, volunteer, west, users
):
    web = client_for(coordinator)
    web.post(edit_url(closed), {"title": "Lunch on Thursdays", "body": CLEAN})
    story = Story.objects.get()
    assert story.state == StoryState.DRAFT and story.locality == west
    stories = reverse("escalations:stories", args=[west.slug])
    assert "Lunch on Thursdays" not in client_for(volunteer).get(stories).content.decode()

    response = client_for(coordinator).post(
        reverse("escalations:story_publish", args=[closed.pk]), follow=True
    )
    assert "Published on the locality&#x27;s stories page." in response.content.decode()
    story.refresh_from_db()
    assert story.state == StoryState.PUBLISHED and story.published_by == coordinator
    assert closed.events.filter(action=Action.STORY_PUBLISHED).count() == 1

    body = client_for(volunteer).get(stories).content.decode()
    assert "<title>Stories from West Cornwall – Living Well</title>" in body
    assert "Lunch on Thursdays" in body and CLEAN in body
    # The story exists; a volunteer of another locality still never sees West's page.
    east_volunteer = client_for(users["other_volunteer"])
    assert east_volunteer.get(stories).status_code == 404
    own = east_volunteer.get(reverse("escalations:stories_home"))
    assert own.url == reverse("escalations:stories", args=["east-cornwall"])
    assert "Lunch on Thursdays" not in east_volunteer.get(own.url).content.decode()


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("Mary now goes to a lunch club.", "first name (“Mary”)"),
        ("The TREVITHICK family thanked us.", "surname (“TREVITHICK”)"),
        ("Near Fore-Street, by the sea.", "address (“Fore-Street”)"),
        ("Her postcode is tr18-2aa.", "postcode (“tr18-2aa”)"),
        ("NHS no. 943.476.5919.", "NHS number (“943.476.5919”)"),
        ("She was born on 17.05.1938.", "date of birth (“17.05.1938”)"),
    ],
)
def test_publishing_refuses_identifying_details_and_says_what(
    client_for, coordinator, closed, story_consent, body, found
):
    services.story_save(escalation=closed, by=coordinator, title="A story", body=f"{CLEAN} {body}")
    edit = client_for(coordinator).get(edit_url(closed)).content.decode()
    assert f"It cannot be published yet: it contains the client&#x27;s {found}" in edit
    response = client_for(coordinator).post(
        reverse("escalations:story_publish", args=[closed.pk]), follow=True
    )
    assert f"Not published. This story contains the client&#x27;s {found}" in (
        response.content.decode()
    )
    assert Story.objects.get().state == StoryState.DRAFT


@pytest.mark.parametrize(
    ("title", "body", "fields"),
    [
        ("A story", f"Mary said: {CLEAN}", ["body"]),
        ("Mary's lunch club", CLEAN, ["title"]),
        ("Mary's lunch club", f"Mrs Trevithick said: {CLEAN}", ["title", "body"]),
    ],
)
def test_a_refused_publish_shows_the_error_on_the_field_that_holds_the_details(
    client_for, coordinator, closed, story_consent, title, body, fields
):
    services.story_save(escalation=closed, by=coordinator, title=title, body=body)
    response = client_for(coordinator).post(reverse("escalations:story_publish", args=[closed.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: Story" in page
    start = page.index('class="govuk-error-summary"')
    summary = page[start : page.index("</ul>", start)]
    assert [f'href="#id_{name}"' in summary for name in ("title", "body")] == [
        name in fields for name in ("title", "body")
    ]
    # The form shows the stored text and saves to the story's own page.
    assert f'action="{edit_url(closed)}"' in page
    assert Story.objects.get().state == StoryState.DRAFT


def test_editing_a_published_story_is_checked_again(coordinator, closed, story_consent):
    story = services.story_save(escalation=closed, by=coordinator, title="A story", body=CLEAN)
    services.story_publish(story=story, by=coordinator)
    with pytest.raises(services.StoryRefused, match="first name"):
        services.story_save(escalation=closed, by=coordinator, title="Mary's story", body=CLEAN)
    story.refresh_from_db()
    assert story.title == "A story" and story.state == StoryState.PUBLISHED


def test_withdrawing_consent_unpublishes_at_once(coordinator, closed, story_consent, mary, west):
    story = services.story_save(escalation=closed, by=coordinator, title="A story", body=CLEAN)
    services.story_publish(story=story, by=coordinator)
    # Withdrawn through the clients app, whose service sends the signal in its transaction.
    consent_record(
        client=mary,
        scope=ConsentScope.ANONYMISED_STORY,
        action=ConsentAction.WITHDRAWN,
        method=ConsentMethod.SPOKEN,
        privacy_notice_version="2025-1",
        by=coordinator,
    )
    story.refresh_from_db()
    assert story.state == StoryState.UNPUBLISHED
    assert story.unpublished_reason == "the client withdrew consent to the story"
    event = closed.events.get(action=Action.STORY_UNPUBLISHED)
    assert event.actor == coordinator
    # ...and it cannot be published again without consent.
    with pytest.raises(services.StoryRefused, match="has not consented"):
        services.story_publish(story=story, by=coordinator)


def test_withdrawing_another_consent_leaves_stories_alone(coordinator, closed, story_consent, mary):
    story = services.story_save(escalation=closed, by=coordinator, title="A story", body=CLEAN)
    services.story_publish(story=story, by=coordinator)
    consent_withdrawn.send(
        sender=type(mary), client=mary, scope=ConsentScope.MDT_CHAMPION, by=coordinator
    )
    story.refresh_from_db()
    assert story.state == StoryState.PUBLISHED


def test_unpublish_by_hand(client_for, coordinator, closed, story_consent, volunteer, west):
    story = services.story_save(escalation=closed, by=coordinator, title="A story", body=CLEAN)
    services.story_publish(story=story, by=coordinator)
    client_for(coordinator).post(reverse("escalations:story_unpublish", args=[closed.pk]))
    story.refresh_from_db()
    assert story.state == StoryState.UNPUBLISHED
    stories = reverse("escalations:stories", args=[west.slug])
    assert "A story" not in client_for(volunteer).get(stories).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "body": CLEAN}, "Enter a title"),
        ({"title": "T", "body": ""}, "Enter the story"),
        ({"title": "T" * 121, "body": CLEAN}, "at most 120 characters"),
    ],
)
def test_bad_input_on_the_story_form(client_for, coordinator, closed, story_consent, data, message):
    response = client_for(coordinator).post(edit_url(closed), data)
    body = response.content.decode()
    assert "<title>Error: Story" in body and message in body
    assert not Story.objects.exists()


def test_stories_page_query_count_does_not_grow(
    client_for, volunteer, coordinator, west, make_escalation, mary, story_consent
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def publish_one(n):
        e = make_escalation()
        services.escalation_route(escalation_id=e.pk)
        e.refresh_from_db()
        services.escalation_close(
            escalation=e,
            by=coordinator,
            expected_version=1,
            summary="s",
            message_for_volunteer="m",
            went_well=True,
        )
        story = services.story_save(escalation=e, by=coordinator, title=f"Story {n}", body=CLEAN)
        services.story_publish(story=story, by=coordinator)

    url = reverse("escalations:stories", args=[west.slug])
    web = client_for(volunteer)
    publish_one(0)
    web.get(url)
    with CaptureQueriesContext(connection) as one:
        web.get(url)
    for n in range(1, 20):
        publish_one(n)
    with CaptureQueriesContext(connection) as many:
        body = web.get(url).content.decode()
    assert body.count('<article class="lw-story">') == 20
    assert len(many) == len(one)
