"""The benchmark's smallest path on the session's small data set: equal work, equal answers, ratios computed.

Speed is the benchmark's business (``python -m bench``), not a timed test's: nothing here asserts on time,
only that the comparison the benchmark times is a fair one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import agreement
from bench.__main__ import EQUAL, as_caller, equal_work, inprocess_phase, print_ratios, ratios
from bench.bare import bare_app
from bench.dataset import AS_OF
from bench.equal_output import UnequalOutput, differences, require_equal
from bench.inprocess import Contender, call, measure
from bench.scenarios import build
from bench.server import NoAudit
from hub.core import telemetry
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.runtime import Hub
from policies.loader import PACKAGED, load_policy


@pytest.fixture(autouse=True)
def keep_recording() -> Iterator[None]:
    """The bench switches span recording per contender; other tests expect it as they left it."""
    before = telemetry.recording()
    yield
    telemetry.set_recording(before)


@pytest.fixture
def bench_settings(settings: Settings, tmp_path: Path) -> Settings:
    policy = tmp_path / "bench-policy"
    agreement.write_equal_work_policy(policy)
    return settings.model_copy(update={"policy_dir": policy})


def plainly_released(policy_dir: Path) -> dict[str, bool]:
    plan = load_policy(policy_dir).plan((agreement.ROLE,), agreement.PURPOSE)
    return {key: agreement.released_plainly(plan.field(key)) for key in plan.decisions}


def test_the_bench_agreement_releases_every_field_and_is_not_the_packaged_one(tmp_path: Path) -> None:
    packaged_version = load_policy(PACKAGED).version
    agreement.write_equal_work_policy(tmp_path)
    assert all(plainly_released(tmp_path).values())
    # The packaged agreements still withhold, mask or condition some of the pair's fields, and are untouched.
    assert not all(plainly_released(PACKAGED).values())
    assert load_policy(PACKAGED).version == packaged_version


def test_unequal_answers_are_named_by_path_and_refused() -> None:
    a = {"person": {"arrests": [{"outcome": "BAILED"}], "tier": "A1"}}
    b = {"person": {"arrests": [{"outcome": "CHARGED"}], "tier": "A1"}}
    assert differences(a, b) == [".person.arrests[0].outcome"]
    assert differences(a, {"person": {"arrests": [], "tier": "A1"}}) == [".person.arrests: 1 items against 0"]
    with pytest.raises(UnequalOutput, match=r"bare and hub answer differently at \.person\.arrests\[0\]\.outcome"):
        require_equal("profile", {"hub": a, "bare": b})
    assert "BAILED" not in str(differences(a, b)), "paths only: values stay out of the benchmark's output"


async def test_governed_off_and_bare_answer_alike_where_the_realistic_caller_sees_less(
        bench_settings: Settings) -> None:
    scenarios = await build(bench_settings, AS_OF, cohort_page=20)
    hub, plain = Hub.open(bench_settings), Hub.open(bench_settings)
    bare, stores = bare_app(bench_settings)
    governed = create_app(bench_settings, hub=hub)
    contenders = [
        Contender("hub", governed, hub.sql_engines(), equal_work(bench_settings)),
        Contender("hub-off", create_app(bench_settings, governance=False, hub=plain), plain.sql_engines(),
                  lambda s: {}),
        Contender("bare", bare, stores.all(), lambda s: {}),
        Contender("as-caller", governed, hub.sql_engines(), as_caller(bench_settings), withholds=True),
    ]
    try:
        withheld = 0
        for s in scenarios:
            answers = {c.name: (await call(c, s))[1] for c in contenders}
            data = {name: answers[name]["data"] for name in EQUAL}
            assert data["hub"] == data["hub-off"] == data["bare"], s.name
            assert "errors" not in answers["hub"]
            assert any(v is not None for v in data["hub"].values()), f"{s.name} found no one"
            withheld += len(answers["as-caller"].get("errors", []))
        # Without the benchmark's agreement the comparison would be unequal: the IOM officer is refused fields.
        assert withheld > 0
    finally:
        gov = governed.state.governance
        assert gov is not None
        await gov.audit.close()
        await hub.close()
        await plain.close()
        await stores.close()


async def test_the_smallest_bench_path_computes_every_ratio(bench_settings: Settings) -> None:
    scenarios = [s for s in await build(bench_settings, AS_OF, cohort_page=20) if s.name in ("profile", "cohort")]
    timings, growth = await inprocess_phase(bench_settings, scenarios, iterations=2, warmup=1, quick=True)
    assert set(timings) == {"profile", "cohort"}
    assert set(growth) == {"50", "200"} and growth["50"] == growth["200"]
    for name, t in timings.items():
        assert t["hub"].statements == t["hub-off"].statements, f"{name}: equal work, equal statements"
        assert t["hub"].withheld == 0 and t["hub"].rows == t["hub-off"].rows == t["bare"].rows
        # Governance does work of its own (the plan, the ledger, the audit record): counted, so it shows.
        assert t["hub"].calls > t["hub-off"].calls > 0 and t["bare"].calls > 0
    computed = ratios(timings)
    for name in ("profile", "cohort"):
        assert set(computed[name]) == {"overhead_equal_work", "hub_vs_bare_p50", "off_vs_bare_p50",
                                       "as_caller_vs_off", "python_calls_vs_bare", "python_calls_vs_off"}
        assert all(math.isfinite(v) and v > 0 for v in computed[name].values())



async def test_the_hub_sends_no_more_statements_than_the_bare_server(bench_settings: Settings) -> None:
    """A page's records and the one list asked for come in one statement per agency, as the expert writes them,
    and a filtered page's people are chosen and read by one index statement from the agencies' answers."""
    scenarios = await build(bench_settings, AS_OF, cohort_page=20)
    hub = Hub.open(bench_settings)
    bare, stores = bare_app(bench_settings)
    governed = create_app(bench_settings, hub=hub)
    contenders = [Contender("hub", governed, hub.sql_engines(), equal_work(bench_settings)),
                  Contender("bare", bare, stores.all(), lambda s: {})]
    try:
        counted = {}
        for s in scenarios:
            t = await measure(contenders, s, iterations=1, warmup=1)
            counted[s.name] = (t["hub"].statements, t["bare"].statements)
        for name, (hub_statements, bare_statements) in counted.items():
            assert hub_statements <= bare_statements, (name, counted)
        assert counted["profile"][0] == 5, "index, police with arrests, probation with licence conditions, housing, " \
                                           "treatment"
    finally:
        gov = governed.state.governance
        assert gov is not None
        await gov.audit.close()
        await hub.close()
        await stores.close()


async def test_the_no_audit_contender_starts_and_stops_like_the_hub(bench_settings: Settings) -> None:
    # Served (python -m bench.server hub-noaudit), its app runs the hub's lifespan, which starts the
    # audit's checkpoint timer: the stand-in store must take that too.
    app = create_app(bench_settings, audit=NoAudit())  # type: ignore[arg-type]
    async with app.router.lifespan_context(app):
        assert app.state.governance is not None


def test_the_quick_gates_fail_on_counts_not_on_noisy_times() -> None:
    within = {"overhead_equal_work": 1.6, "hub_vs_bare_p50": 1.5, "off_vs_bare_p50": 1.0, "as_caller_vs_off": 1.2,
              "python_calls_vs_bare": 1.5, "python_calls_vs_off": 1.2, "hub_vs_bare_rps": 0.9}
    assert print_ratios("sqlite", {"profile": within, "cohort": within}) == []
    noisy = {**within, "hub_vs_bare_rps": 0.6, "overhead_equal_work": 2.0}  # printed, not gated
    heavy = {**within, "python_calls_vs_off": 1.5}
    sprawling = {**within, "python_calls_vs_bare": 1.9}
    assert print_ratios("sqlite", {"profile": noisy, "cohort": within}) == []
    failures = print_ratios("sqlite", {"profile": heavy, "cohort": sprawling})
    assert len(failures) == 2
    assert "profile" in failures[0] and "governance on / off" in failures[0]
    assert "cohort" in failures[1] and "expert bare" in failures[1]
