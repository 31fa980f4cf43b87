"""Two extension patterns: a Factory filled by a class decorator, and an Observer event bus."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

C = TypeVar("C", bound=type[Any])
Handler = Callable[[Any], object]


class DuplicatePluginError(ValueError):
    """A name registered twice in one registry. Attribute ``name``."""


class UnknownPluginError(LookupError):
    """An unregistered name. Attributes ``name`` and ``known`` (sorted registered names)."""


class PluginRegistry:
    """Classes by name, filled by the ``register`` decorator and instantiated by ``create``."""

    def __init__(self) -> None:
        raise NotImplementedError

    def register(self, name: str) -> Callable[[C], C]:
        """A class decorator: record the class under ``name`` and return the class unchanged.

        DuplicatePluginError if ``name`` is taken; TypeError if what is decorated is not a class.
        """
        raise NotImplementedError

    def get(self, name: str) -> type[Any]:
        """The class registered under ``name``; UnknownPluginError if none."""
        raise NotImplementedError

    def create(self, name: str, /, **kwargs: Any) -> Any:
        """``cls(**kwargs)`` for the class registered under ``name``; UnknownPluginError if none."""
        raise NotImplementedError

    def names(self) -> list[str]:
        """The registered names, sorted."""
        raise NotImplementedError

    def __contains__(self, name: object) -> bool:
        raise NotImplementedError


registry: PluginRegistry  # create the module-level default registry here


def register(name: str) -> Callable[[C], C]:
    """Register a class in the module-level ``registry``."""
    raise NotImplementedError


def create(name: str, /, **kwargs: Any) -> Any:
    """Build a plugin from the module-level ``registry``."""
    raise NotImplementedError


class EventBus:
    """Handlers by event name, called in subscription order."""

    def __init__(self) -> None:
        raise NotImplementedError

    def subscribe(self, event: str, handler: Handler) -> None:
        """Add ``handler`` to ``event``; a no-op if an equal handler is already subscribed."""
        raise NotImplementedError

    def unsubscribe(self, event: str, handler: Handler) -> bool:
        """Remove ``handler`` from ``event``; return whether it was subscribed. Never raises."""
        raise NotImplementedError

    def publish(self, event: str, payload: Any = None) -> int:
        """Call every handler of ``event`` in order with ``payload``; return how many were called.

        Exceptions raised by handlers do not stop the others: they are raised together as an
        ExceptionGroup after the last handler.
        """
        raise NotImplementedError
