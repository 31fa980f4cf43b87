"""MUTANT: the name-to-class dict is a class attribute of PluginRegistry instead of being made in
__init__, so every registry shares one dict: a name registered in one registry is taken in all.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

C = TypeVar("C", bound=type[Any])
Handler = Callable[[Any], object]


class DuplicatePluginError(ValueError):
    """A name registered twice in one registry."""

    def __init__(self, name: str) -> None:
        super().__init__(f"a plugin named {name!r} is already registered")
        self.name = name


class UnknownPluginError(LookupError):
    """A name no plugin was registered under; ``known`` lists the registered names."""

    def __init__(self, name: str, known: list[str]) -> None:
        listed = ", ".join(known) if known else "none"
        super().__init__(f"no plugin named {name!r} (known: {listed})")
        self.name = name
        self.known = known


class PluginRegistry:
    """Classes by name, filled by the ``register`` decorator and instantiated by ``create``."""

    _classes: dict[str, type[Any]] = {}  # noqa: RUF012

    def register(self, name: str) -> Callable[[C], C]:
        """A class decorator recording the class under ``name`` and returning it unchanged."""

        def decorator(cls: C) -> C:
            if not inspect.isclass(cls):
                raise TypeError(f"register({name!r}) decorates classes, not {cls!r}")
            if name in self._classes:
                raise DuplicatePluginError(name)
            self._classes[name] = cls
            return cls

        return decorator

    def get(self, name: str) -> type[Any]:
        """The class registered under ``name``."""
        try:
            return self._classes[name]
        except KeyError:
            raise UnknownPluginError(name, self.names()) from None

    def create(self, name: str, /, **kwargs: Any) -> Any:
        """A new instance of the class registered under ``name``, built with ``kwargs``.

        The lookup is done before the call, so an error raised by the constructor itself (even
        a KeyError) is never mistaken for an unknown name.
        """
        return self.get(name)(**kwargs)

    def names(self) -> list[str]:
        return sorted(self._classes)

    def __contains__(self, name: object) -> bool:
        return name in self._classes


registry = PluginRegistry()


def register(name: str) -> Callable[[C], C]:
    """Register a class in the module-level registry."""
    return registry.register(name)


def create(name: str, /, **kwargs: Any) -> Any:
    """Build a plugin from the module-level registry."""
    return registry.create(name, **kwargs)


class EventBus:
    """Handlers by event name, called in subscription order."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}

    def subscribe(self, event: str, handler: Handler) -> None:
        """Add ``handler`` to ``event``'s list, unless an equal handler is already there."""
        handlers = self._handlers.setdefault(event, [])
        if handler not in handlers:
            handlers.append(handler)

    def unsubscribe(self, event: str, handler: Handler) -> bool:
        """Remove ``handler`` from ``event``; return whether it was subscribed."""
        handlers = self._handlers.get(event, [])
        if handler not in handlers:
            return False
        handlers.remove(handler)
        if not handlers:
            del self._handlers[event]
        return True

    def publish(self, event: str, payload: Any = None) -> int:
        """Call each handler of ``event`` with ``payload``; return how many were called.

        Exceptions are collected so one failing handler cannot starve the others; they are
        raised together at the end. BaseExceptions such as KeyboardInterrupt are not caught.
        """
        handlers = list(self._handlers.get(event, ()))
        errors: list[Exception] = []
        for handler in handlers:
            try:
                handler(payload)
            except Exception as err:
                errors.append(err)
        if errors:
            raise ExceptionGroup(
                f"{len(errors)} of {len(handlers)} handlers of {event!r} failed", errors
            )
        return len(handlers)
