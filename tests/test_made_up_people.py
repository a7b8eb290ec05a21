"""The factories' made-up data is seeded from each test's id (tests/conftest.py)."""

import factory.random

from .factories import ClientFactory, UserFactory


def _people():
    user, client = UserFactory.build(), ClientFactory.build()
    return (user.first_name, user.last_name, client.first_name, client.date_of_birth)


def test_a_test_makes_the_same_people_on_every_run(request):
    first = _people()
    factory.random.reseed_random(request.node.nodeid)
    assert _people() == first


def test_each_test_makes_its_own_people(request):
    mine = _people()
    factory.random.reseed_random("tests/test_made_up_people.py::another test")
    assert _people() != mine
