"""Example tests for design_patterns (the graded suite is more thorough)."""

import pytest
from solution import EventBus, PluginRegistry, UnknownPluginError


def test_register_and_create() -> None:
    exporters = PluginRegistry()

    @exporters.register("csv")
    class CsvExporter:
        def __init__(self, delimiter: str = ",") -> None:
            self.delimiter = delimiter

    exporter = exporters.create("csv", delimiter=";")
    assert isinstance(exporter, CsvExporter)
    assert exporter.delimiter == ";"
    with pytest.raises(UnknownPluginError):
        exporters.create("xml")


def test_publish_calls_handlers_in_order() -> None:
    bus = EventBus()
    seen = []
    bus.subscribe("order.paid", seen.append)
    bus.subscribe("order.paid", lambda order: seen.append(("email", order)))
    assert bus.publish("order.paid", 42) == 2
    assert seen == [42, ("email", 42)]


def test_failing_handler_does_not_stop_the_others() -> None:
    bus = EventBus()
    seen = []

    def broken(payload: object) -> None:
        raise RuntimeError("down")

    bus.subscribe("e", broken)
    bus.subscribe("e", seen.append)
    with pytest.raises(ExceptionGroup):
        bus.publish("e", 1)
    assert seen == [1]
