"""The escalation state machine: each transition, illegal ones refused, optimistic
concurrency, and a hypothesis state machine over any sequence of actions."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from clients.enums import ConsentScope
from escalations import services
from escalations.enums import Action, EscalationState, ReferralChannel
from escalations.models import Escalation, EscalationEvent, Outcome, Referral

from ..factories import ServiceFactory
from .helpers import consent

pytestmark = pytest.mark.django_db
S = EscalationState


def test_accept_makes_the_user_owner(routed, team_leader):
    services.escalation_accept(escalation=routed, by=team_leader, expected_version=1)
    routed.refresh_from_db()
    assert routed.state == S.ACCEPTED
    assert routed.owner == team_leader
    assert routed.triaged_at is not None
    assert routed.version == 2
    event = routed.events.get(action=Action.ACCEPTED)
    assert event.actor == team_leader
    assert event.summary == f"Accepted by {team_leader}."
    assert event.volunteer_summary == "A coordinator is looking into it."


def test_refer_records_what_when_and_how(routed, coordinator, west, mary):
    consent(mary, ConsentScope.SHARE_WITH_PARTNERS)
    service = ServiceFactory(name="Age UK Cornwall", localities=[west])
    referral = services.escalation_refer(
        escalation=routed,
        by=coordinator,
        expected_version=1,
        service=service,
        channel=ReferralChannel.SECURE_EMAIL,
        what_was_shared="Name, address, and that she needs transport to appointments.",
    )
    routed.refresh_from_db()
    assert routed.state == S.REFERRED
    assert routed.referred_at == referral.sent_at
    assert referral.what_was_shared.startswith("Name, address")
    assert referral.without_consent_reason == ""
    assert "Referred by" in routed.events.get(action=Action.REFERRED).summary


def test_refer_without_consent_needs_a_reason(routed, coordinator, west):
    service = ServiceFactory(localities=[west])
    kwargs = dict(
        escalation=routed,
        by=coordinator,
        expected_version=1,
        service=service,
        channel=ReferralChannel.PHONE,
        what_was_shared="Concern about money being taken.",
    )
    with pytest.raises(services.EscalationError, match="has not consented to sharing"):
        services.escalation_refer(**kwargs)
    assert Referral.objects.count() == 0
    routed.refresh_from_db()
    assert routed.state == S.ROUTED and routed.version == 1

    referral = services.escalation_refer(**kwargs, without_consent_reason="Safeguarding concern")
    assert referral.without_consent_reason == "Safeguarding concern"


def test_put_to_mdt_records_the_practice(routed, coordinator, mary):
    services.escalation_put_to_mdt(
        escalation=routed, by=coordinator, expected_version=1, reason="Several falls"
    )
    routed.refresh_from_db()
    assert routed.state == S.AT_MDT
    assert routed.put_to_mdt_at is not None
    event = routed.events.get(action=Action.PUT_TO_MDT)
    assert event.data == {"practice_id": mary.practice_id, "reason": "Several falls"}


def test_close_needs_and_makes_an_outcome(routed, coordinator):
    outcome = services.escalation_close(
        escalation=routed,
        by=coordinator,
        expected_version=1,
        summary="Transport booked with the community bus.",
        message_for_volunteer="Thank you: she has a lift to the surgery now.",
        went_well=True,
    )
    routed.refresh_from_db()
    assert routed.state == S.CLOSED and routed.closed_at == outcome.recorded_at
    assert outcome.went_well is True


def test_closed_is_final(routed, coordinator):
    services.escalation_close(
        escalation=routed,
        by=coordinator,
        expected_version=1,
        summary="Done",
        message_for_volunteer="Done",
        went_well=True,
    )
    with pytest.raises(services.IllegalTransition, match="You cannot accept it now"):
        services.escalation_accept(escalation=routed, by=coordinator, expected_version=2)
    with pytest.raises(services.IllegalTransition, match="closed"):
        services.escalation_ask_volunteer(escalation=routed, by=coordinator, text="Hello?")


def test_an_illegal_transition_is_refused_and_changes_nothing(make_escalation, coordinator):
    escalation = make_escalation()  # NEW: not yet routed
    with pytest.raises(services.IllegalTransition) as error:
        services.escalation_put_to_mdt(
            escalation=escalation, by=coordinator, expected_version=0, reason="x"
        )
    assert str(error.value) == (
        "You cannot put it forward to an MDT now: this escalation is “Waiting to be routed”."
    )
    escalation.refresh_from_db()
    assert escalation.state == S.NEW and escalation.version == 0
    assert not escalation.events.filter(action=Action.PUT_TO_MDT).exists()


def test_two_coordinators_at_once_one_wins_the_other_is_told(routed, coordinator, team_leader):
    # Both loaded version 1; the team leader acts first.
    seen_by_coordinator = Escalation.objects.get(pk=routed.pk)
    services.escalation_accept(escalation=routed, by=team_leader, expected_version=1)

    with pytest.raises(services.StaleEscalation) as error:
        services.escalation_close(
            escalation=seen_by_coordinator,
            by=coordinator,
            expected_version=1,
            summary="x",
            message_for_volunteer="x",
            went_well=True,
        )
    assert "Someone else changed this escalation while you had it open." in str(error.value)
    assert f"{team_leader} recorded “Accepted”" in str(error.value)
    routed.refresh_from_db()
    assert routed.state == S.ACCEPTED and routed.owner == team_leader
    assert not Outcome.objects.exists()


def test_the_conditional_update_catches_a_race_the_in_memory_check_missed(routed, coordinator):
    # The row changed after this copy was loaded, with the same version in memory.
    Escalation.objects.filter(pk=routed.pk).update(version=2, state=S.ACCEPTED)
    with pytest.raises(services.StaleEscalation):
        services.escalation_accept(escalation=routed, by=coordinator, expected_version=1)


def test_reroute_only_to_staff_of_the_locality(routed, coordinator, other_coordinator, volunteer):
    for wrong in (other_coordinator, volunteer):
        with pytest.raises(services.EscalationError, match="does not triage escalations"):
            services.escalation_reroute(
                escalation=routed,
                by=coordinator,
                expected_version=1,
                owner=wrong,
                service=None,
                reason="x",
            )


def test_questions_thread_with_the_volunteer(routed, coordinator, volunteer):
    services.escalation_ask_volunteer(
        escalation=routed, by=coordinator, text="Is the bus stop far?"
    )
    with pytest.raises(services.EscalationError, match="Only the volunteer"):
        services.escalation_volunteer_answer(escalation=routed, by=coordinator, text="?")
    services.escalation_volunteer_answer(escalation=routed, by=volunteer, text="Half a mile")
    assert list(routed.messages.values_list("text", flat=True)) == [
        "Is the bus stop far?",
        "Half a mile",
    ]
    routed.refresh_from_db()
    assert routed.version == 1  # a question is history, not a transition


def test_allowed_actions_from_each_state():
    assert services.allowed_actions(S.NEW) == [Action.ACCEPTED, Action.REROUTED]
    assert services.allowed_actions(S.CLOSED) == []
    assert Action.PUT_TO_MDT not in services.allowed_actions(S.AT_MDT)
    assert Action.REFERRED in services.allowed_actions(S.AT_MDT)


# --- Any sequence of actions keeps the invariants ------------------------------------------

# The specification, written out independently of the services' table: state -> the actions
# a person may take from it, and where each leads.
SPEC = {
    S.NEW: {"accept": S.ACCEPTED, "reroute": S.ROUTED, "route": S.ROUTED},
    S.ROUTED: {
        "accept": S.ACCEPTED,
        "reroute": S.ROUTED,
        "refer": S.REFERRED,
        "mdt": S.AT_MDT,
        "close": S.CLOSED,
    },
    S.ACCEPTED: {"reroute": S.ROUTED, "refer": S.REFERRED, "mdt": S.AT_MDT, "close": S.CLOSED},
    S.REFERRED: {"reroute": S.ROUTED, "refer": S.REFERRED, "mdt": S.AT_MDT, "close": S.CLOSED},
    S.AT_MDT: {"reroute": S.ROUTED, "refer": S.REFERRED, "close": S.CLOSED},
    S.CLOSED: {},
}
ACTIONS = ["accept", "reroute", "refer", "mdt", "close", "ask", "route"]


@pytest.fixture
def run_machine(make_escalation, coordinator, team_leader, west, mary):
    consent(mary, ConsentScope.SHARE_WITH_PARTNERS)
    service = ServiceFactory(localities=[west])
    people = [coordinator, team_leader]

    class EscalationMachine(RuleBasedStateMachine):
        @initialize()
        def new_escalation(self):
            self.escalation = make_escalation()
            self.state = S.NEW
            self.version = 0
            self.steps = 1  # the "created" event
            self.questions = 0

        def _do(self, action, person, version):
            esc = Escalation.objects.select_related("observation__client").get(
                pk=self.escalation.pk
            )
            common = dict(escalation=esc, by=person, expected_version=version)
            if action == "accept":
                services.escalation_accept(**common)
            elif action == "reroute":
                services.escalation_reroute(
                    **common, owner=people[1], service=service, reason="better placed"
                )
            elif action == "refer":
                services.escalation_refer(
                    **common, service=service, channel=ReferralChannel.PHONE, what_was_shared="x"
                )
            elif action == "mdt":
                services.escalation_put_to_mdt(**common, reason="x")
            elif action == "close":
                services.escalation_close(
                    **common, summary="x", message_for_volunteer="x", went_well=True
                )
            elif action == "ask":
                services.escalation_ask_volunteer(escalation=esc, by=person, text="?")
            elif action == "route":
                return services.escalation_route(escalation_id=esc.pk).routed

        @rule(action=st.sampled_from(ACTIONS), who=st.integers(0, 1))
        def act(self, action, who):
            allowed = SPEC[self.state]
            if action == "ask":
                if self.state == S.CLOSED:
                    with pytest.raises(services.IllegalTransition):
                        self._do(action, people[who], self.version)
                else:
                    self._do(action, people[who], self.version)
                    self.steps += 1
                    self.questions += 1
                return
            if action == "route":
                routed = self._do(action, people[who], self.version)
                if routed:
                    assert self.state == S.NEW
                    self.state, self.version, self.steps = (
                        S.ROUTED,
                        self.version + 1,
                        self.steps + 1,
                    )
                return
            if action in allowed:
                self._do(action, people[who], self.version)
                self.state = allowed[action]
                self.version += 1
                self.steps += 1
            else:
                with pytest.raises(services.IllegalTransition):
                    self._do(action, people[who], self.version)

        @rule(action=st.sampled_from(["accept", "reroute", "refer", "mdt", "close"]))
        def act_with_a_stale_page(self, action):
            if self.version == 0:
                return
            with pytest.raises(services.StaleEscalation):
                self._do(action, people[0], self.version - 1)

        @invariant()
        def row_matches_the_model(self):
            esc = Escalation.objects.get(pk=self.escalation.pk)
            assert esc.state == self.state
            assert esc.version == self.version
            assert EscalationEvent.objects.filter(escalation=esc).count() == self.steps
            assert esc.messages.count() == self.questions

        @invariant()
        def closed_means_an_outcome_and_a_time(self):
            esc = Escalation.objects.get(pk=self.escalation.pk)
            has_outcome = Outcome.objects.filter(escalation=esc).exists()
            assert (esc.state == S.CLOSED) == has_outcome == (esc.closed_at is not None)

        @invariant()
        def triaged_once_anyone_acted(self):
            esc = Escalation.objects.get(pk=self.escalation.pk)
            if esc.state in (S.ACCEPTED, S.REFERRED, S.AT_MDT, S.CLOSED):
                assert esc.triaged_at is not None
                assert esc.owner_id is not None

    def run():
        from hypothesis.stateful import run_state_machine_as_test

        run_state_machine_as_test(
            EscalationMachine,
            settings=settings(
                max_examples=25,
                stateful_step_count=12,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )

    return run


def test_any_sequence_of_actions_keeps_the_invariants(run_machine):
    run_machine()


def test_other_apps_add_to_the_history_without_changing_the_state(routed, coordinator):
    event = services.escalation_add_history(
        escalation=routed,
        by=coordinator,
        summary="MDT: district nurse to visit weekly",
        volunteer_summary="The care team made a plan.",
    )
    routed.refresh_from_db()
    assert event.action == Action.MDT_UPDATE
    assert routed.state == S.ROUTED and routed.version == 1
    with pytest.raises(services.IllegalTransition):
        services.escalation_add_history(
            escalation=routed, by=coordinator, summary="x", action=Action.CLOSED
        )
