"""MUTANT: the X-API-Key header is a required parameter of get_current_user, so a request without it gets FastAPI's 422 instead of 401."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, FastAPI, Header, HTTPException, Request, status
from pydantic import BaseModel, Field


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
    """The real repository: items in a dict, ids 1, 2, 3, ... across all owners."""

    def __init__(self) -> None:
        self._items: dict[int, Item] = {}

    def add(self, owner: str, name: str) -> Item:
        item = Item(id=len(self._items) + 1, owner=owner, name=name)
        self._items[item.id] = item
        return item

    def list_for_owner(self, owner: str) -> list[Item]:
        # A new list each time: callers may change it without touching the store.
        # Dicts keep insertion order, which is id order.
        return [item for item in self._items.values() if item.owner == owner]

    def get(self, item_id: int) -> Item | None:
        return self._items.get(item_id)


def get_repository(request: Request) -> ItemRepository:
    """The repository of the app handling this request (one per app, made by create_app)."""
    repository: ItemRepository = request.app.state.repository
    return repository


def get_current_user(request: Request, x_api_key: Annotated[str, Header()]) -> User:
    """The user whose API key is in the ``X-API-Key`` header, else 401.

    The header is optional in the signature on purpose: a required header would make
    FastAPI answer a missing key with 422 instead of 401.
    """
    api_keys: Mapping[str, str] = request.app.state.api_keys
    username = api_keys.get(x_api_key)
    if username is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or unknown API key")
    return User(username)


class NewItem(BaseModel):
    """The body of ``POST /items``; there is deliberately no ``owner`` field."""

    name: Annotated[str, Field(min_length=1, max_length=100)]


Repository = Annotated[ItemRepository, Depends(get_repository)]
CurrentUser = Annotated[User, Depends(get_current_user)]


def create_app(api_keys: Mapping[str, str]) -> FastAPI:
    """Build the app. ``api_keys`` maps each API key to the username it authenticates.

    The routes depend on the module-level ``get_repository`` and ``get_current_user``
    (never on closures made here), so ``app.dependency_overrides`` can replace them.
    """
    app = FastAPI()
    app.state.repository = InMemoryItemRepository()
    app.state.api_keys = dict(api_keys)

    @app.get("/items")
    def list_items(user: CurrentUser, repository: Repository) -> list[Item]:
        return repository.list_for_owner(user.username)

    @app.post("/items", status_code=status.HTTP_201_CREATED)
    def create_item(body: NewItem, user: CurrentUser, repository: Repository) -> Item:
        return repository.add(owner=user.username, name=body.name)

    @app.get("/items/{item_id}")
    def get_item(item_id: int, user: CurrentUser, repository: Repository) -> Item:
        item = repository.get(item_id)
        # Someone else's item is "not found" too: a 403 would confirm that it exists.
        if item is None or item.owner != user.username:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "item not found")
        return item

    return app
