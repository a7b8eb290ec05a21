"""The benchmark's verdicts: a page's share is of the /healthz measured on either side of it."""

from __future__ import annotations

from bench.run import bracketing_ceiling, ceiling, targets


def _page(key, rps, *, kind="list", healthz_next=None, p95=50.0):
    return {
        "key": key,
        "title": key,
        "kind": kind,
        "healthz_next": healthz_next,
        "result": {
            "rps": rps,
            "p50_ms": 20.0,
            "p95_ms": p95,
            "requests": 100,
            "errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0, "unexpected": 0},
        },
    }


def _verdicts(pages):
    return {t["target"]: t for t in targets({"pages": pages})}


def test_the_ceiling_is_the_mean_of_the_healthz_runs_on_either_side():
    assert bracketing_ceiling(2000.0, 3000.0) == 2500.0


def test_a_share_is_of_the_healthz_next_to_the_page():
    healthz = _page("healthz", 3000.0, kind="baseline")
    # Measured when the machine had slowed to 1,500 /healthz requests/s: 10% of that.
    page = _page("triage", 150.0, healthz_next=1500.0)
    share = _verdicts([healthz, page])["triage: share of /healthz"]
    assert share["value"] == 0.1
    assert share["met"]


def test_a_page_measured_alone_is_compared_with_the_runs_healthz():
    healthz = _page("healthz", 3000.0, kind="baseline")
    share = _verdicts([healthz, _page("triage", 150.0)])["triage: share of /healthz"]
    assert share["value"] == 0.05
    assert not share["met"]
    assert ceiling({"healthz_next": None}, None) is None


def test_the_post_is_held_to_fifteen_percent_and_its_p95():
    healthz = _page("healthz", 3000.0, kind="baseline")
    post = _page("post", 400.0, kind="post", healthz_next=2000.0, p95=120.0)
    verdicts = _verdicts([healthz, post])
    assert verdicts["post: share of /healthz"]["value"] == 0.2
    assert verdicts["post: share of /healthz"]["met"]
    assert not verdicts["post: p95"]["met"]


def test_runs_are_compared_by_req_s_and_by_share_of_the_healthz_next_to_them():
    from bench.run import compare

    now = {"pages": [_page("triage", 200.0, healthz_next=2000.0), _page("form", 100.0)]}
    then = {"pages": [_page("triage", 250.0, healthz_next=2500.0), _page("form", 80.0)]}
    compared = compare(now, then)
    assert compared["triage"]["change"] == -0.2
    assert compared["triage"]["share"] == compared["triage"]["earlier_share"] == 0.1
    assert compared["triage"]["share_change"] == 0.0
    assert compared["form"]["change"] == 0.25 and "share_change" not in compared["form"]


def test_a_page_is_held_to_fifteen_percent_of_its_figure_in_the_second_world():
    from bench.run import paired_figures

    def loads(*rps):
        return [_page("x", r)["result"] | {"rps": r} for r in rps]

    # Loaded here, there, there, here: each world's figure is the mean of its two loads.
    paired = paired_figures(loads(180.0, 200.0), loads(240.0, 220.0), 10_000)
    assert (paired["rps"], paired["pair_rps"], paired["change"]) == (190.0, 230.0, -0.174)
    assert paired["runs"] == [180.0, 200.0] and paired["errors"] == 0
    page = _page("triage", 190.0) | {"paired": paired}
    verdict = _verdicts([page])["triage: within 15% of its figure at 10,000 observations"]
    assert verdict["value"] == -0.174 and not verdict["met"]

    near = _page("triage", 190.0) | {"paired": paired_figures(loads(190.0), loads(170.0), 10)}
    assert _verdicts([near])["triage: within 15% of its figure at 10 observations"]["met"]
    # Faster here than there by more than 15% is as far from "the same" as slower.
    far = _page("triage", 190.0) | {"paired": paired_figures(loads(250.0), loads(200.0), 10)}
    assert not _verdicts([far])["triage: within 15% of its figure at 10 observations"]["met"]


def test_the_second_worlds_errors_are_counted_and_the_post_is_not_held_to_it():
    from bench.run import paired_figures

    failed = _page("x", 0.0)["result"] | {"requests": 0}
    paired = paired_figures([_page("x", 100.0)["result"]], [failed], 10)
    assert paired["errors"] == 1 and paired["change"] is None
    post = _page("post", 400.0, kind="post") | {
        "paired": paired_figures([_page("x", 100.0)["result"]], [_page("x", 50.0)["result"]], 10)
    }
    assert not [t for t in targets({"pages": [post]}) if "observations" in t["target"]]


def test_a_page_alternated_with_healthz_is_held_to_its_share_of_the_healthz_between_its_loads():
    from bench.run import paired_figures

    def loads(*rps):
        return [_page("x", r)["result"] | {"rps": r} for r in rps]

    healthz = _page("healthz", 3000.0, kind="baseline")
    # Its own load fell on a slow moment (9% of the /healthz next to it); loaded four times
    # more, each beside a /healthz seconds away, it is 11% of them.
    paired = paired_figures(loads(200.0, 240.0), loads(230.0, 220.0), 10_000, loads(2000.0, 2000.0))
    assert (paired["healthz_rps"], paired["share"]) == (2000.0, 0.11)
    assert paired["healthz_runs"] == [2000.0, 2000.0]
    page = _page("triage", 180.0, healthz_next=2000.0) | {"paired": paired}
    verdict = _verdicts([healthz, page])["triage: share of /healthz"]
    assert verdict["value"] == 0.11 and verdict["met"]
    # And the other way: 11% next to its own load, 9% between the alternated ones.
    slow = paired_figures(loads(170.0, 190.0), loads(180.0), 10, loads(1900.0, 2100.0))
    page = _page("triage", 220.0, healthz_next=2000.0) | {"paired": slow}
    verdict = _verdicts([healthz, page])["triage: share of /healthz"]
    assert verdict["value"] == 0.09 and not verdict["met"]
    post = _page("post", 300.0, kind="post", healthz_next=2000.0) | {"paired": slow}
    assert not _verdicts([healthz, post])["post: share of /healthz"]["met"]


def test_the_alternated_healthz_errors_count_and_without_it_the_share_is_the_10_s_loads():
    from bench.run import paired_figures

    failed = _page("x", 0.0)["result"] | {"requests": 0}
    here = [_page("x", 100.0)["result"]]
    assert paired_figures(here, here, 10, [failed])["errors"] == 1
    plain = paired_figures(here, here, 10)
    assert plain["share"] is None and plain["healthz_runs"] == []
    healthz = _page("healthz", 3000.0, kind="baseline")
    page = _page("triage", 150.0, healthz_next=1500.0) | {"paired": plain}
    assert _verdicts([healthz, page])["triage: share of /healthz"]["value"] == 0.1


def test_each_round_loads_the_page_here_healthz_and_there_around_the_same_middle():
    from bench.run import ALTERNATION

    def middle(where):
        at = [i for i, w in enumerate(ALTERNATION) if w == where]
        return sum(at) / len(at)

    assert sorted(set(ALTERNATION)) == ["healthz", "here", "there"]
    assert middle("here") == middle("healthz") == middle("there")
    assert ALTERNATION.count("here") == ALTERNATION.count("healthz") == 2
