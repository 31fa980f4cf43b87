"""Per-user items behind two FastAPI dependencies that tests can swap out."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import FastAPI, Header, Request


@dataclass(frozen=True)
class User:
    """The authenticated caller."""

    username: str


@dataclass(frozen=True)
class Item:
    """A stored item; ``owner`` is the username of the user who created it."""

    id: int
    owner: str
    name: str


class ItemRepository(Protocol):
    """Storage for items; the routes only ever talk to this interface."""

    def add(self, owner: str, name: str) -> Item: ...

    def list_for_owner(self, owner: str) -> list[Item]: ...

    def get(self, item_id: int) -> Item | None: ...


class InMemoryItemRepository:
    """The real repository: ids 1, 2, 3, ... in order of ``add``, across all owners."""

    def __init__(self) -> None:
        raise NotImplementedError

    def add(self, owner: str, name: str) -> Item:
        """Store a new item and return it."""
        raise NotImplementedError

    def list_for_owner(self, owner: str) -> list[Item]:
        """A new list of ``owner``'s items, in ascending id order."""
        raise NotImplementedError

    def get(self, item_id: int) -> Item | None:
        """The item with this id, or None."""
        raise NotImplementedError


def get_repository(request: Request) -> ItemRepository:
    """The repository of the app handling this request (``request.app.state.repository``)."""
    raise NotImplementedError


def get_current_user(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> User:
    """The user whose API key is in the ``X-API-Key`` header; HTTPException 401 otherwise."""
    raise NotImplementedError


def create_app(api_keys: Mapping[str, str]) -> FastAPI:
    """Build the app. ``api_keys`` maps each API key to the username it authenticates.

    The routes must depend on the module-level ``get_repository`` and
    ``get_current_user`` so that ``app.dependency_overrides`` can replace them.
    """
    raise NotImplementedError
