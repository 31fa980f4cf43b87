"""A registry of observers that holds them weakly, so registering never keeps anything alive."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

Observer = Callable[..., object]


class WeakObserverRegistry:
    """Observers in registration order, held weakly; dead observers vanish on their own."""

    def __init__(self) -> None:
        raise NotImplementedError

    def register(self, observer: Observer) -> None:
        """Add ``observer`` at the end of the order; a no-op if the same observer is registered.

        Raise TypeError if it cannot be weakly referenced (or is not callable).
        """
        raise NotImplementedError

    def unregister(self, observer: Observer) -> None:
        """Remove the same observer; raise KeyError if it is not registered."""
        raise NotImplementedError

    def notify(self, *args: Any, **kwargs: Any) -> int:
        """Call each live observer in registration order with the arguments; return the count."""
        raise NotImplementedError

    def __len__(self) -> int:
        """The number of live registered observers."""
        raise NotImplementedError

    def __iter__(self) -> Iterator[Observer]:
        """The live observers in registration order (bound methods as equal bound methods)."""
        raise NotImplementedError

    def __contains__(self, observer: object) -> bool:
        """Whether the same observer is registered and alive."""
        raise NotImplementedError
