"""Hidden suite for design_patterns: the plugin Factory registry and the Observer event bus."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
import solution
from exact import same
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule
from solution import DuplicatePluginError, EventBus, PluginRegistry, UnknownPluginError


def text_of(error: BaseException) -> str:
    """``str(error)``, required to be a real str (a subclass could claim to contain anything)."""
    text = str(error)
    assert type(text) is str, f"str(error) is a {type(text).__qualname__}, not a str"
    return text


@pytest.fixture
def reg() -> PluginRegistry:
    return PluginRegistry()


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


# =========================================================================== Factory


@pytest.mark.clause("C1")
def test_register_returns_the_class_itself_unchanged(reg: PluginRegistry) -> None:
    class Plain:
        """Docstring."""

        def __init__(self, x: int = 0) -> None:
            self.x = x

    original = Plain
    decorated = reg.register("plain")(Plain)
    assert decorated is original

    @reg.register("csv")
    class CsvExporter:
        pass

    assert isinstance(CsvExporter, type)
    assert same(CsvExporter.__name__, "CsvExporter")
    assert reg.get("csv") is CsvExporter


@pytest.mark.clause("C6")
def test_create_builds_a_new_instance_with_the_keyword_arguments(reg: PluginRegistry) -> None:
    @reg.register("csv")
    class CsvExporter:
        def __init__(self, delimiter: str = ",", header: bool = True) -> None:
            self.delimiter = delimiter
            self.header = header

    first = reg.create("csv", delimiter=";", header=False)
    assert type(first) is CsvExporter
    assert same((first.delimiter, first.header), (";", False))
    second = reg.create("csv")
    assert second is not first
    assert same((second.delimiter, second.header), (",", True))


@pytest.mark.clause("C7")
def test_create_accepts_a_keyword_argument_called_name(reg: PluginRegistry) -> None:
    @reg.register("report")
    class Report:
        def __init__(self, name: str) -> None:
            self.name = name

    assert same(reg.create("report", name="monthly").name, "monthly")


@pytest.mark.clause("C2")
def test_names_are_case_sensitive(reg: PluginRegistry) -> None:
    @reg.register("CSV")
    class Upper:
        pass

    @reg.register("csv")
    class Lower:
        pass

    assert type(reg.create("CSV")) is Upper
    assert type(reg.create("csv")) is Lower


@pytest.mark.clause("C3")
def test_one_class_may_be_registered_under_several_names(reg: PluginRegistry) -> None:
    @reg.register("yaml")
    @reg.register("yml")
    class Yaml:
        pass

    assert reg.get("yaml") is Yaml
    assert reg.get("yml") is Yaml
    assert same(reg.names(), ["yaml", "yml"])


@pytest.mark.clause("C4")
def test_a_duplicate_name_is_rejected_and_the_first_registration_stays(
    reg: PluginRegistry,
) -> None:
    @reg.register("json")
    class First:
        pass

    with pytest.raises(DuplicatePluginError) as excinfo:

        @reg.register("json")
        class Second:
            pass

    assert isinstance(excinfo.value, ValueError)
    assert same(excinfo.value.name, "json")
    assert "json" in text_of(excinfo.value)
    assert reg.get("json") is First
    assert type(reg.create("json")) is First


@pytest.mark.clause("C4")
def test_registering_the_same_class_twice_under_one_name_is_still_a_duplicate(
    reg: PluginRegistry,
) -> None:
    class Thing:
        pass

    reg.register("thing")(Thing)
    with pytest.raises(DuplicatePluginError):
        reg.register("thing")(Thing)


@pytest.mark.clause("C9")
def test_an_unknown_name_raises_unknown_plugin_error_listing_the_known_names(
    reg: PluginRegistry,
) -> None:
    for name in ("parquet", "csv", "json"):
        reg.register(name)(type(name.title(), (), {}))
    with pytest.raises(UnknownPluginError) as excinfo:
        reg.create("xml")
    error = excinfo.value
    assert isinstance(error, LookupError)
    assert same(error.name, "xml")
    assert same(error.known, ["csv", "json", "parquet"])
    message = text_of(error)
    assert all(word in message for word in ("xml", "csv", "json", "parquet"))


@pytest.mark.clause("C9")
def test_an_unknown_name_in_an_empty_registry(reg: PluginRegistry) -> None:
    with pytest.raises(UnknownPluginError) as excinfo:
        reg.create("anything", x=1)
    assert same(excinfo.value.name, "anything")
    assert same(excinfo.value.known, [])
    assert "anything" in text_of(excinfo.value)


@pytest.mark.clause("C9", "C10")
def test_get_of_an_unknown_name_raises_unknown_plugin_error(reg: PluginRegistry) -> None:
    reg.register("a")(type("A", (), {}))
    with pytest.raises(UnknownPluginError) as excinfo:
        reg.get("b")
    assert same(excinfo.value.known, ["a"])


@pytest.mark.clause("C8")
def test_constructor_errors_propagate_unchanged(reg: PluginRegistry) -> None:
    @reg.register("strict")
    class Strict:
        def __init__(self, size: int) -> None:
            self.size = size

    with pytest.raises(TypeError) as excinfo:
        reg.create("strict", colour="red")
    assert not isinstance(excinfo.value, UnknownPluginError)


@pytest.mark.clause("C8")
def test_a_key_error_raised_by_the_constructor_is_not_reported_as_an_unknown_plugin(
    reg: PluginRegistry,
) -> None:
    original = KeyError("missing setting")

    @reg.register("needs-settings")
    class NeedsSettings:
        def __init__(self) -> None:
            raise original

    with pytest.raises(KeyError) as excinfo:
        reg.create("needs-settings")
    assert excinfo.value is original
    assert not isinstance(excinfo.value, UnknownPluginError)


@pytest.mark.clause("C5")
def test_decorating_something_that_is_not_a_class_raises_type_error(
    reg: PluginRegistry,
) -> None:
    def factory() -> None:
        pass

    with pytest.raises(TypeError):
        reg.register("func")(factory)  # type: ignore[type-var]
    with pytest.raises(TypeError):
        reg.register("instance")(object())  # type: ignore[type-var]
    assert same(reg.names(), [])
    assert "func" not in reg


@pytest.mark.clause("C10")
def test_names_are_sorted_and_contains_tells_registration(reg: PluginRegistry) -> None:
    for name in ("zeta", "alpha", "Mid"):
        reg.register(name)(type(name, (), {}))
    assert same(reg.names(), ["Mid", "alpha", "zeta"])
    assert "alpha" in reg
    assert "beta" not in reg
    names = reg.names()
    names.append("mutated")
    assert "mutated" not in reg


@pytest.mark.clause("C11")
def test_registries_are_independent() -> None:
    first, second = PluginRegistry(), PluginRegistry()

    @first.register("csv")
    class CsvA:
        pass

    @second.register("csv")
    class CsvB:
        pass

    assert first.get("csv") is CsvA
    assert second.get("csv") is CsvB
    first.register("only-first")(type("X", (), {}))
    assert "only-first" not in second
    assert same(second.names(), ["csv"])


# The module registry outlives a test, and a copy of a test may run in the same process: each
# run of the next test registers a name of its own, so that it passes every time it runs.
MODULE_PLUGIN_NAMES = (f"hidden-suite-module-level-plugin-{n}" for n in itertools.count())


@pytest.mark.clause("C12")
def test_module_level_register_and_create_use_the_module_registry() -> None:
    assert isinstance(solution.registry, PluginRegistry)
    name = next(MODULE_PLUGIN_NAMES)

    @solution.register(name)
    class ModulePlugin:
        def __init__(self, level: int = 1) -> None:
            self.level = level

    built = solution.create(name, level=3)
    assert type(built) is ModulePlugin and same(built.level, 3)
    assert solution.registry.get(name) is ModulePlugin
    with pytest.raises(DuplicatePluginError):
        solution.register(name)(type("Other", (), {}))
    with pytest.raises(UnknownPluginError):
        solution.create("hidden-suite-never-registered")
    assert name not in PluginRegistry()


# =========================================================================== Observer


class Recorder:
    """Handlers that log (name, payload) into one shared list."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def handler(self, name: str) -> Any:
        def handle(payload: Any) -> None:
            self.calls.append((name, payload))

        handle.__name__ = f"handle_{name}"
        return handle


class Subscriber:
    def __init__(self, log: list[Any]) -> None:
        self.log = log

    def on_saved(self, payload: Any) -> None:
        self.log.append(("saved", payload))


@pytest.mark.clause("C16", "C13")
def test_publish_calls_handlers_in_subscription_order_with_the_payload(bus: EventBus) -> None:
    rec = Recorder()
    payload = {"id": 1}
    for name in ("first", "second", "third"):
        bus.subscribe("order.paid", rec.handler(name))
    assert same(bus.publish("order.paid", payload), 3)
    assert same(rec.calls, [("first", payload), ("second", payload), ("third", payload)])
    assert all(p is payload for _, p in rec.calls)


@pytest.mark.clause("C16")
def test_publish_without_payload_passes_none(bus: EventBus) -> None:
    rec = Recorder()
    bus.subscribe("tick", rec.handler("h"))
    assert same(bus.publish("tick"), 1)
    assert same(rec.calls, [("h", None)])


@pytest.mark.clause("C16")
def test_publish_with_no_subscribers_returns_zero(bus: EventBus) -> None:
    assert same(bus.publish("nobody-listens", 1), 0)


@pytest.mark.clause("C13")
def test_handlers_only_receive_their_own_event(bus: EventBus) -> None:
    rec = Recorder()
    bus.subscribe("a", rec.handler("on_a"))
    bus.subscribe("b", rec.handler("on_b"))
    assert same(bus.publish("a", 1), 1)
    assert same(bus.publish("A", 2), 0)
    assert same(rec.calls, [("on_a", 1)])


@pytest.mark.clause("C14")
def test_subscribing_the_same_handler_twice_to_an_event_is_a_no_op(bus: EventBus) -> None:
    rec = Recorder()
    h1, h2 = rec.handler("h1"), rec.handler("h2")
    bus.subscribe("e", h1)
    bus.subscribe("e", h2)
    bus.subscribe("e", h1)
    assert same(bus.publish("e", 0), 2)
    assert same(rec.calls, [("h1", 0), ("h2", 0)])


@pytest.mark.clause("C14")
def test_handlers_are_compared_with_equality_so_a_bound_method_is_one_handler(
    bus: EventBus,
) -> None:
    log: list[Any] = []
    subscriber = Subscriber(log)
    bus.subscribe("saved", subscriber.on_saved)
    bus.subscribe("saved", subscriber.on_saved)
    assert same(bus.publish("saved", 7), 1)
    assert bus.unsubscribe("saved", subscriber.on_saved) is True
    assert same(bus.publish("saved", 8), 0)
    assert same(log, [("saved", 7)])


@dataclass
class CallableRecord:
    """A callable handler compared by value; @dataclass sets __hash__ = None: unhashable."""

    label: str
    log: list[Any] = field(default_factory=list, compare=False)

    def __call__(self, payload: Any) -> None:
        self.log.append((self.label, payload))


@pytest.mark.clause("C14", "C15")
def test_unhashable_handlers_can_be_subscribed_published_to_and_unsubscribed(
    bus: EventBus,
) -> None:
    log: list[Any] = []
    first, second = CallableRecord("first", log), CallableRecord("second", log)
    bus.subscribe("e", first)
    bus.subscribe("e", second)
    bus.subscribe("e", CallableRecord("first"))  # equal to `first`: already subscribed
    assert same(bus.publish("e", 1), 2)
    assert same(log, [("first", 1), ("second", 1)])
    assert bus.unsubscribe("e", CallableRecord("first")) is True
    assert bus.unsubscribe("e", CallableRecord("third")) is False
    assert same(bus.publish("e", 2), 1)
    assert same(log, [("first", 1), ("second", 1), ("second", 2)])


@pytest.mark.clause("C14")
def test_the_same_handler_may_listen_to_several_events(bus: EventBus) -> None:
    rec = Recorder()
    h = rec.handler("h")
    bus.subscribe("a", h)
    bus.subscribe("b", h)
    bus.publish("a", 1)
    bus.publish("b", 2)
    assert same(rec.calls, [("h", 1), ("h", 2)])
    assert bus.unsubscribe("a", h) is True
    bus.publish("a", 3)
    bus.publish("b", 4)
    assert same(rec.calls, [("h", 1), ("h", 2), ("h", 4)])


@pytest.mark.clause("C15")
def test_unsubscribe_returns_whether_the_handler_was_subscribed(bus: EventBus) -> None:
    rec = Recorder()
    h, other = rec.handler("h"), rec.handler("other")
    assert bus.unsubscribe("e", h) is False
    bus.subscribe("e", h)
    assert bus.unsubscribe("e", other) is False
    assert bus.unsubscribe("other-event", h) is False
    assert bus.unsubscribe("e", h) is True
    assert bus.unsubscribe("e", h) is False
    assert same(bus.publish("e", 1), 0)


@pytest.mark.clause("C14", "C15")
def test_resubscribing_after_unsubscribe_goes_to_the_end(bus: EventBus) -> None:
    rec = Recorder()
    a, b, c = rec.handler("a"), rec.handler("b"), rec.handler("c")
    for h in (a, b, c):
        bus.subscribe("e", h)
    bus.unsubscribe("e", a)
    bus.subscribe("e", a)
    bus.publish("e", 0)
    assert same([name for name, _ in rec.calls], ["b", "c", "a"])


@pytest.mark.clause("C17")
def test_a_failing_handler_does_not_stop_the_others_and_errors_are_grouped(
    bus: EventBus,
) -> None:
    rec = Recorder()
    first_error, second_error = RuntimeError("smtp down"), ValueError("bad payload")

    def fail_with(error: Exception) -> Any:
        def handler(payload: Any) -> None:
            rec.calls.append((f"fail:{error}", payload))
            raise error

        return handler

    bus.subscribe("e", rec.handler("a"))
    bus.subscribe("e", fail_with(first_error))
    bus.subscribe("e", rec.handler("b"))
    bus.subscribe("e", fail_with(second_error))
    bus.subscribe("e", rec.handler("c"))
    with pytest.raises(ExceptionGroup) as excinfo:
        bus.publish("e", 5)
    assert same(list(excinfo.value.exceptions), [first_error, second_error])
    assert excinfo.value.exceptions[0] is first_error
    assert excinfo.value.exceptions[1] is second_error
    assert [name for name, _ in rec.calls] == [
        "a",
        "fail:smtp down",
        "b",
        "fail:bad payload",
        "c",
    ]


@pytest.mark.clause("C17")
def test_a_single_failing_handler_is_still_reported_in_an_exception_group(
    bus: EventBus,
) -> None:
    error = KeyError("k")

    def failing(payload: Any) -> None:
        raise error

    bus.subscribe("e", failing)
    with pytest.raises(ExceptionGroup) as excinfo:
        bus.publish("e")
    assert same(list(excinfo.value.exceptions), [error])


@pytest.mark.clause("C17")
def test_the_bus_still_works_after_a_failed_publish(bus: EventBus) -> None:
    rec = Recorder()
    calls = 0

    def flaky(payload: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("first time")

    bus.subscribe("e", flaky)
    bus.subscribe("e", rec.handler("h"))
    with pytest.raises(ExceptionGroup):
        bus.publish("e", 1)
    assert same(bus.publish("e", 2), 2)
    assert same(rec.calls, [("h", 1), ("h", 2)])


@pytest.mark.clause("C18")
def test_keyboard_interrupt_in_a_handler_propagates_at_once(bus: EventBus) -> None:
    rec = Recorder()
    signal = KeyboardInterrupt()

    def interrupted(payload: Any) -> None:
        raise signal

    bus.subscribe("e", rec.handler("before"))
    bus.subscribe("e", interrupted)
    bus.subscribe("e", rec.handler("after"))
    with pytest.raises(KeyboardInterrupt) as excinfo:
        bus.publish("e", 1)
    assert excinfo.value is signal
    assert same(rec.calls, [("before", 1)])


@pytest.mark.clause("C19")
def test_a_handler_unsubscribing_itself_does_not_make_publish_skip_the_next(
    bus: EventBus,
) -> None:
    rec = Recorder()

    def once(payload: Any) -> None:
        rec.calls.append(("once", payload))
        assert bus.unsubscribe("e", once) is True

    bus.subscribe("e", rec.handler("before"))
    bus.subscribe("e", once)
    bus.subscribe("e", rec.handler("next"))
    bus.subscribe("e", rec.handler("last"))
    assert same(bus.publish("e", 1), 4)
    assert same([name for name, _ in rec.calls], ["before", "once", "next", "last"])
    rec.calls.clear()
    assert same(bus.publish("e", 2), 3)
    assert same([name for name, _ in rec.calls], ["before", "next", "last"])


@pytest.mark.clause("C19")
def test_several_handlers_unsubscribing_themselves_in_a_row(bus: EventBus) -> None:
    rec = Recorder()

    def make_once(name: str) -> Any:
        def once(payload: Any) -> None:
            rec.calls.append((name, payload))
            bus.unsubscribe("e", once)

        return once

    for name in ("o1", "o2", "o3"):
        bus.subscribe("e", make_once(name))
    bus.subscribe("e", rec.handler("stays"))
    assert same(bus.publish("e", 0), 4)
    assert same([name for name, _ in rec.calls], ["o1", "o2", "o3", "stays"])
    assert same(bus.publish("e", 0), 1)


@pytest.mark.clause("C19")
def test_a_handler_subscribed_during_publish_is_first_called_by_the_next_publish(
    bus: EventBus,
) -> None:
    rec = Recorder()
    late = rec.handler("late")

    def spawner(payload: Any) -> None:
        rec.calls.append(("spawner", payload))
        bus.subscribe("e", late)

    bus.subscribe("e", spawner)
    bus.subscribe("e", rec.handler("tail"))
    assert same(bus.publish("e", 1), 2)
    assert same([name for name, _ in rec.calls], ["spawner", "tail"])
    rec.calls.clear()
    assert same(bus.publish("e", 2), 3)
    assert same([name for name, _ in rec.calls], ["spawner", "tail", "late"])


@pytest.mark.clause("C19")
def test_a_handler_may_publish_another_event(bus: EventBus) -> None:
    rec = Recorder()

    def relay(payload: Any) -> None:
        rec.calls.append(("relay", payload))
        bus.publish("b", payload * 10)

    bus.subscribe("a", relay)
    bus.subscribe("a", rec.handler("a2"))
    bus.subscribe("b", rec.handler("b1"))
    assert same(bus.publish("a", 1), 2)
    assert same(rec.calls, [("relay", 1), ("b1", 10), ("a2", 1)])


@pytest.mark.clause("C13")
def test_buses_are_independent() -> None:
    rec = Recorder()
    first, second = EventBus(), EventBus()
    first.subscribe("e", rec.handler("h"))
    assert same(second.publish("e", 1), 0)
    assert same(rec.calls, [])


# --------------------------------------------------------------------------- stateful bus


EVENTS = ["created", "paid", "shipped"]  # "shipped" often has no subscriber at all


class BusMachine(RuleBasedStateMachine):
    """The bus against a model: for each event, the ordered list of subscribed handler ids.

    Handlers are bound methods of Probe objects (a new bound-method object at every access, so
    the bus must compare with ==). Some probes fail, some unsubscribe themselves when called.
    """

    KINDS = ("ok", "fail", "once")

    def __init__(self) -> None:
        super().__init__()
        self.bus = EventBus()
        self.model: dict[str, list[int]] = {event: [] for event in EVENTS}
        self.probes: list[Probe] = []
        self.calls: list[tuple[int, Any]] = []

    def probe(self, index: int) -> Probe | None:
        return self.probes[index % len(self.probes)] if self.probes else None

    @rule(kind=st.sampled_from(KINDS))
    def new_handler(self, kind: str) -> None:
        self.probes.append(Probe(self, len(self.probes), kind))

    @rule(event=st.sampled_from(EVENTS), index=st.integers(0, 10))
    def subscribe(self, event: str, index: int) -> None:
        probe = self.probe(index)
        if probe is None:
            return
        self.bus.subscribe(event, probe.handle)
        if probe.ident not in self.model[event]:
            self.model[event].append(probe.ident)

    @rule(event=st.sampled_from(EVENTS), index=st.integers(0, 10))
    def unsubscribe(self, event: str, index: int) -> None:
        probe = self.probe(index)
        if probe is None:
            return
        expected = probe.ident in self.model[event]
        assert self.bus.unsubscribe(event, probe.handle) is expected
        if expected:
            self.model[event].remove(probe.ident)

    @rule(event=st.sampled_from(EVENTS), payload=st.integers())
    def publish(self, event: str, payload: int) -> None:
        expected_order = list(self.model[event])
        failing = [i for i in expected_order if self.probes[i].kind == "fail"]
        self.calls.clear()
        for probe in self.probes:
            probe.event = event
        if failing:
            with pytest.raises(ExceptionGroup) as excinfo:
                self.bus.publish(event, payload)
            assert same([e.args[0] for e in excinfo.value.exceptions], failing)
        else:
            assert same(self.bus.publish(event, payload), len(expected_order))
        assert same(self.calls, [(i, payload) for i in expected_order])
        self.model[event] = [i for i in expected_order if self.probes[i].kind != "once"]


class Probe:
    def __init__(self, machine: BusMachine, ident: int, kind: str) -> None:
        self.machine = machine
        self.ident = ident
        self.kind = kind
        self.event = ""

    def handle(self, payload: Any) -> None:
        self.machine.calls.append((self.ident, payload))
        if self.kind == "fail":
            raise RuntimeError(self.ident)
        if self.kind == "once":
            assert self.machine.bus.unsubscribe(self.event, self.handle) is True


BusMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=25, report_multiple_bugs=False
)
test_event_bus_stateful_against_a_model_of_subscriptions = BusMachine.TestCase
test_event_bus_stateful_against_a_model_of_subscriptions.pytestmark = [
    pytest.mark.clause("C14", "C15", "C16", "C17", "C19")
]
