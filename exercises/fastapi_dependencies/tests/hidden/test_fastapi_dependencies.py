"""Hidden suite for the fastapi_dependencies exercise."""

import dataclasses
import warnings
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx, irrelevant here
    from fastapi.testclient import TestClient

import solution
from exact import same
from fastapi import Request

KEYS = {"key-alice": "alice", "key-bob": "bob", "key-carol": "carol"}
ALICE = {"X-API-Key": "key-alice"}
BOB = {"X-API-Key": "key-bob"}


class FakeRepository:
    """An in-memory fake that records every call the routes make."""

    def __init__(self, items: list[Any] | None = None) -> None:
        self.items: list[Any] = list(items or [])
        self.calls: list[tuple[Any, ...]] = []

    def add(self, owner: str, name: str) -> Any:
        self.calls.append(("add", owner, name))
        item = solution.Item(id=100 + len(self.items), owner=owner, name=name)
        self.items.append(item)
        return item

    def list_for_owner(self, owner: str) -> list[Any]:
        self.calls.append(("list_for_owner", owner))
        # Deliberately not in id order: the route must keep the repository's order.
        return sorted((i for i in self.items if i.owner == owner), key=lambda i: -i.id)

    def get(self, item_id: int) -> Any:
        self.calls.append(("get", item_id))
        return next((i for i in self.items if i.id == item_id), None)


def as_json(item: Any) -> dict[str, Any]:
    return {"id": item.id, "owner": item.owner, "name": item.name}


def real_client(keys: dict[str, str] | None = None) -> TestClient:
    return TestClient(solution.create_app(KEYS if keys is None else keys))


def overridden(
    user: str | None = "alice", repository: Any = None, keys: dict[str, str] | None = None
) -> tuple[Any, TestClient]:
    app = solution.create_app({} if keys is None else keys)
    if user is not None:
        app.dependency_overrides[solution.get_current_user] = lambda: solution.User(user)
    if repository is not None:
        app.dependency_overrides[solution.get_repository] = lambda: repository
    return app, TestClient(app)


# ---------------------------------------------------------------- the real repository


def fields(item: object) -> tuple[Any, ...]:
    """An Item's (id, owner, name), once it is exactly an Item (its own __eq__ is not asked)."""
    assert type(item) is solution.Item, f"expected an Item, got {type(item).__qualname__}"
    return (item.id, item.owner, item.name)  # type: ignore[attr-defined]


def _exact_list(items: object) -> list[Any]:
    assert type(items) is list, f"expected a list, got {type(items).__qualname__}"
    return items


def fields_of(items: object) -> list[tuple[Any, ...]]:
    assert type(items) is list, f"expected a list, got {type(items).__qualname__}"
    return [fields(item) for item in items]


@pytest.mark.clause("C2")
def test_repository_add_returns_items_with_ids_counting_from_one() -> None:
    repository = solution.InMemoryItemRepository()
    first = repository.add("alice", "pen")
    second = repository.add(owner="bob", name="mug")
    assert same(fields(first), (1, "alice", "pen"))
    assert same(fields(second), (2, "bob", "mug"))


@pytest.mark.clause("C3")
def test_repository_lists_one_owners_items_in_id_order() -> None:
    repository = solution.InMemoryItemRepository()
    a1 = repository.add("alice", "a1")
    repository.add("bob", "b1")
    a2 = repository.add("alice", "a2")
    assert same(
        fields_of(repository.list_for_owner("alice")), [(1, "alice", "a1"), (3, "alice", "a2")]
    )
    assert same(fields_of(repository.list_for_owner("alice")), [fields(a1), fields(a2)])
    assert same(repository.list_for_owner("nobody"), [])
    # An equal owner name that is another str object (as one read from a request would be).
    alice = "".join(["al", "ice"])
    assert same(fields_of(repository.list_for_owner(alice)), [fields(a1), fields(a2)])


@pytest.mark.clause("C4")
def test_repository_get_finds_by_id_or_returns_none() -> None:
    repository = solution.InMemoryItemRepository()
    item = repository.add("alice", "pen")
    assert same(fields(item), (1, "alice", "pen"))
    assert same(fields(repository.get(1)), (1, "alice", "pen"))
    assert repository.get(2) is None
    assert repository.get(0) is None


@pytest.mark.clause("C3")
def test_repository_list_is_a_copy_the_caller_may_change() -> None:
    repository = solution.InMemoryItemRepository()
    repository.add("alice", "pen")
    listed = repository.list_for_owner("alice")
    listed.append(solution.Item(id=99, owner="alice", name="ghost"))
    listed.clear()
    assert same(fields_of(repository.list_for_owner("alice")), [(1, "alice", "pen")])
    repository.list_for_owner("bob").append(solution.Item(id=98, owner="bob", name="ghost"))
    assert same(repository.list_for_owner("bob"), [])


@pytest.mark.clause("C2")
def test_repositories_do_not_share_items() -> None:
    one, two = solution.InMemoryItemRepository(), solution.InMemoryItemRepository()
    one.add("alice", "pen")
    assert same(two.list_for_owner("alice"), [])
    assert same(two.add("alice", "mug").id, 1)


@pytest.mark.clause("C1")
def test_users_and_items_are_frozen_dataclasses() -> None:
    repository = solution.InMemoryItemRepository()
    item = repository.add("alice", "pen")
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.name = "changed"  # type: ignore[misc]
    assert same(fields_of(repository.list_for_owner("alice")), [(1, "alice", "pen")])
    user = solution.User("alice")
    with pytest.raises(dataclasses.FrozenInstanceError):
        user.username = "mallory"  # type: ignore[misc]
    assert same(hash(user), hash(solution.User("alice")))


# ---------------------------------------------------------------- real dependencies via HTTP


@pytest.mark.clause("C5")
def test_create_app_stores_a_fresh_in_memory_repository_on_app_state() -> None:
    app = solution.create_app(KEYS)
    assert isinstance(app.state.repository, solution.InMemoryItemRepository)
    assert same(app.state.repository.list_for_owner("alice"), [])


@pytest.mark.clause("C8", "C13")
def test_real_post_creates_an_item_owned_by_the_key_holder() -> None:
    client = real_client()
    response = client.post("/items", json={"name": "pen"}, headers=ALICE)
    assert response.status_code == 201
    assert response.json() == {"id": 1, "owner": "alice", "name": "pen"}


@pytest.mark.clause("C5", "C7")
def test_real_repository_keeps_items_between_requests() -> None:
    app = solution.create_app(KEYS)
    client = TestClient(app)
    for name in ["pen", "mug", "cup"]:
        assert client.post("/items", json={"name": name}, headers=ALICE).status_code == 201
    listed = client.get("/items", headers=ALICE)
    assert listed.status_code == 200
    assert [item["name"] for item in listed.json()] == ["pen", "mug", "cup"]
    assert [item["id"] for item in listed.json()] == [1, 2, 3]
    names = [i.name for i in _exact_list(app.state.repository.list_for_owner("alice"))]
    assert same(names, ["pen", "mug", "cup"])


@pytest.mark.clause("C3", "C12")
def test_real_items_are_listed_only_for_their_owner() -> None:
    client = real_client()
    client.post("/items", json={"name": "a-pen"}, headers=ALICE)
    client.post("/items", json={"name": "b-mug"}, headers=BOB)
    client.post("/items", json={"name": "a-cup"}, headers=ALICE)
    assert client.get("/items", headers=ALICE).json() == [
        {"id": 1, "owner": "alice", "name": "a-pen"},
        {"id": 3, "owner": "alice", "name": "a-cup"},
    ]
    assert client.get("/items", headers=BOB).json() == [{"id": 2, "owner": "bob", "name": "b-mug"}]
    assert client.get("/items", headers={"X-API-Key": "key-carol"}).json() == []


@pytest.mark.clause("C15")
def test_real_get_item_returns_own_item_and_404_for_someone_elses() -> None:
    client = real_client()
    client.post("/items", json={"name": "pen"}, headers=ALICE)
    mine = client.get("/items/1", headers=ALICE)
    assert mine.status_code == 200
    assert mine.json() == {"id": 1, "owner": "alice", "name": "pen"}
    assert client.get("/items/1", headers=BOB).status_code == 404
    assert client.get("/items/2", headers=ALICE).status_code == 404


@pytest.mark.clause("C5")
def test_each_app_has_its_own_repository() -> None:
    one, two = real_client(), real_client()
    one.post("/items", json={"name": "pen"}, headers=ALICE)
    assert two.get("/items", headers=ALICE).json() == []
    assert two.get("/items/1", headers=ALICE).status_code == 404
    assert two.post("/items", json={"name": "mug"}, headers=ALICE).json()["id"] == 1


@pytest.mark.clause("C6")
def test_each_app_uses_its_own_api_keys() -> None:
    first = real_client({"shared-key": "alice"})
    second = real_client({"shared-key": "bob"})
    first.post("/items", json={"name": "pen"}, headers={"X-API-Key": "shared-key"})
    second.post("/items", json={"name": "mug"}, headers={"X-API-Key": "shared-key"})
    assert first.get("/items", headers={"X-API-Key": "shared-key"}).json()[0]["owner"] == "alice"
    assert second.get("/items", headers={"X-API-Key": "shared-key"}).json()[0]["owner"] == "bob"


@pytest.mark.clause("C7")
def test_get_repository_reads_the_repository_from_app_state() -> None:
    app = solution.create_app(KEYS)
    client = TestClient(app)
    assert client.post("/items", json={"name": "pen"}, headers=ALICE).status_code == 201
    fake = FakeRepository([solution.Item(9, "alice", "nine")])
    app.state.repository = fake  # swapped after the first request
    assert client.get("/items", headers=ALICE).json() == [as_json(fake.items[0])]
    assert client.post("/items", json={"name": "mug"}, headers=ALICE).json()["id"] == 101
    assert same(fake.calls, [("list_for_owner", "alice"), ("add", "alice", "mug")])


@pytest.mark.clause("C7")
def test_get_repository_called_directly_returns_the_apps_repository() -> None:
    app = solution.create_app(KEYS)
    request = Request({"type": "http", "app": app, "headers": [], "method": "GET", "path": "/"})
    assert solution.get_repository(request) is app.state.repository
    other = solution.create_app(KEYS)
    request = Request({"type": "http", "app": other, "headers": [], "method": "GET", "path": "/"})
    assert solution.get_repository(request) is other.state.repository


@pytest.mark.clause("C11")
def test_items_have_exactly_the_three_keys() -> None:
    fake = FakeRepository([solution.Item(3, "alice", "pen")])
    _, client = overridden(user="alice", repository=fake)
    for response in [
        client.get("/items/3"),
        client.post("/items", json={"name": "mug"}),
    ]:
        assert set(response.json()) == {"id", "owner", "name"}
    assert same(
        client.get("/items").json(),
        [{"id": 101, "owner": "alice", "name": "mug"}, {"id": 3, "owner": "alice", "name": "pen"}],
    )


# ---------------------------------------------------------------- 401 without a user


@pytest.mark.clause("C8", "C10")
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("get", "/items", None), ("post", "/items", {"name": "pen"}), ("get", "/items/1", None)],
)
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "nope"}, {"X-API-Key": ""}])
def test_every_route_is_401_without_a_known_api_key(
    method: str, path: str, body: Any, headers: dict[str, str]
) -> None:
    client = real_client()
    client.post("/items", json={"name": "pen"}, headers=ALICE)
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    assert getattr(client, method)(path, **kwargs).status_code == 401


@pytest.mark.clause("C8")
def test_api_key_must_match_exactly() -> None:
    client = real_client()
    for key in ["KEY-ALICE", "key-alice ", "key-alic", "alice"]:
        assert client.get("/items", headers={"X-API-Key": key}).status_code == 401


@pytest.mark.clause("C10")
def test_401_takes_precedence_over_an_invalid_body_or_path() -> None:
    client = real_client()
    assert client.post("/items", json={"name": ""}).status_code == 401
    assert client.post("/items", json={}).status_code == 401
    assert client.get("/items/not-a-number").status_code == 401


@pytest.mark.clause("C10")
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/items", None),
        ("post", "/items", {"name": "pen"}),
        ("post", "/items", {"name": ""}),
        ("get", "/items/1", None),
        ("get", "/items/x", None),
    ],
)
def test_an_unknown_key_never_reaches_the_repository(method: str, path: str, body: Any) -> None:
    fake = FakeRepository([solution.Item(1, "alice", "pen")])
    _, client = overridden(user=None, repository=fake, keys=KEYS)
    kwargs: dict[str, Any] = {"headers": {"X-API-Key": "nope"}}
    if body is not None:
        kwargs["json"] = body
    assert getattr(client, method)(path, **kwargs).status_code == 401
    assert same(fake.calls, [])


@pytest.mark.clause("C10")
def test_a_rejected_post_stores_nothing() -> None:
    app = solution.create_app(KEYS)
    client = TestClient(app)
    assert (
        client.post("/items", json={"name": "pen"}, headers={"X-API-Key": "x"}).status_code == 401
    )
    assert same(app.state.repository.list_for_owner("alice"), [])
    assert client.post("/items", json={"name": "pen"}, headers=ALICE).json()["id"] == 1


# ---------------------------------------------------------------- overriding the user


@pytest.mark.clause("C9")
def test_overridden_user_needs_no_header() -> None:
    _, client = overridden(user="alice")
    response = client.get("/items")
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.clause("C9", "C13")
def test_overridden_user_owns_what_it_creates_in_the_real_repository() -> None:
    app, client = overridden(user="dora")
    response = client.post("/items", json={"name": "lamp"})
    assert response.status_code == 201
    assert response.json() == {"id": 1, "owner": "dora", "name": "lamp"}
    assert client.get("/items").json() == [response.json()]
    assert client.get("/items/1").status_code == 200
    assert same(fields_of(app.state.repository.list_for_owner("dora")), [(1, "dora", "lamp")])


@pytest.mark.clause("C9")
def test_overridden_user_replaces_the_header_check_entirely() -> None:
    _, client = overridden(user="alice", keys=KEYS)
    # A wrong key is not even looked at: the override decides who the user is.
    assert client.get("/items", headers={"X-API-Key": "nope"}).status_code == 200


@pytest.mark.clause("C9", "C15")
def test_switching_the_user_override_between_requests() -> None:
    app, client = overridden(user="alice")
    client.post("/items", json={"name": "pen"})
    app.dependency_overrides[solution.get_current_user] = lambda: solution.User("bob")
    assert client.get("/items").json() == []
    assert client.get("/items/1").status_code == 404


@pytest.mark.clause("C9", "C10")
def test_a_user_override_that_raises_401_is_honoured() -> None:
    app = solution.create_app(KEYS)

    def no_user() -> Any:
        from fastapi import HTTPException

        raise HTTPException(status_code=401, detail="nobody")

    app.dependency_overrides[solution.get_current_user] = no_user
    assert TestClient(app).get("/items", headers=ALICE).status_code == 401


# ---------------------------------------------------------------- overriding the repository


@pytest.mark.clause("C9", "C12")
def test_get_items_returns_the_fake_repositorys_list_in_its_order() -> None:
    fake = FakeRepository(
        [
            solution.Item(5, "alice", "five"),
            solution.Item(7, "alice", "seven"),
            solution.Item(6, "bob", "six"),
        ]
    )
    _, client = overridden(user="alice", repository=fake)
    response = client.get("/items")
    assert response.status_code == 200
    assert response.json() == [as_json(solution.Item(7, "alice", "seven")), as_json(fake.items[0])]
    assert same(fake.calls, [("list_for_owner", "alice")])


@pytest.mark.clause("C9", "C13")
def test_post_item_calls_add_on_the_fake_with_the_current_user() -> None:
    fake = FakeRepository()
    app, client = overridden(user="erin", repository=fake)
    response = client.post("/items", json={"name": "kettle"})
    assert response.status_code == 201
    assert response.json() == {"id": 100, "owner": "erin", "name": "kettle"}
    assert same(fake.calls, [("add", "erin", "kettle")])
    assert same(app.state.repository.list_for_owner("erin"), [])  # the real one is untouched


@pytest.mark.clause("C9", "C15")
def test_get_item_uses_the_fake_and_hides_other_owners_items() -> None:
    fake = FakeRepository([solution.Item(41, "alice", "mine"), solution.Item(42, "bob", "theirs")])
    _, client = overridden(user="alice", repository=fake)
    assert client.get("/items/41").json() == {"id": 41, "owner": "alice", "name": "mine"}
    assert client.get("/items/42").status_code == 404
    assert client.get("/items/43").status_code == 404
    assert any(same(call, ("get", 41)) for call in fake.calls)
    assert any(same(call, ("get", 42)) for call in fake.calls)


@pytest.mark.clause("C8", "C9")
def test_real_user_dependency_with_a_fake_repository() -> None:
    fake = FakeRepository()
    _, client = overridden(user=None, repository=fake, keys=KEYS)
    assert client.get("/items").status_code == 401
    assert client.post("/items", json={"name": "pen"}, headers=BOB).json()["owner"] == "bob"
    assert same(fake.calls, [("add", "bob", "pen")])


@pytest.mark.clause("C7")
def test_the_real_repository_dependency_is_shared_across_requests() -> None:
    _, client = overridden(user="alice")
    client.post("/items", json={"name": "pen"})
    client.post("/items", json={"name": "mug"})
    assert [item["id"] for item in client.get("/items").json()] == [1, 2]


@pytest.mark.clause("C15")
def test_ownership_compares_usernames_by_value() -> None:
    # The user's name and the item's owner are equal strings, but distinct objects (as when
    # one comes from a request header and the other from storage).
    fake = FakeRepository([solution.Item(41, "alice", "mine")])
    app, client = overridden(user=None, repository=fake)
    app.dependency_overrides[solution.get_current_user] = lambda: solution.User(
        "".join(["al", "ice"])
    )
    response = client.get("/items/41")
    assert response.status_code == 200
    assert response.json() == {"id": 41, "owner": "alice", "name": "mine"}


# ---------------------------------------------------------------- request validation


@pytest.mark.clause("C13")
@pytest.mark.parametrize(
    "name", ["x", "pen", "a" * 100, "naïve ☕", " ", " pen ", "☕" * 100, "line\n", "1"]
)
def test_valid_names_are_accepted(name: str) -> None:
    _, client = overridden(user="alice")
    response = client.post("/items", json={"name": name})
    assert response.status_code == 201
    assert response.json()["name"] == name


@pytest.mark.clause("C13")
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "a" * 101},
        {"name": "☕" * 101},
        {"name": 5},
        {"name": None},
        {"name": ["pen"]},
        {"title": "pen"},
        [{"name": "pen"}],
        "pen",
    ],
)
def test_invalid_bodies_are_422_and_store_nothing(body: Any) -> None:
    fake = FakeRepository()
    _, client = overridden(user="alice", repository=fake)
    assert client.post("/items", json=body).status_code == 422
    assert not any(call[0] == "add" for call in fake.calls)


@pytest.mark.clause("C14")
def test_the_owner_never_comes_from_the_body() -> None:
    fake = FakeRepository()
    _, client = overridden(user="alice", repository=fake)
    response = client.post("/items", json={"name": "pen", "owner": "mallory"})
    assert response.status_code in (201, 422)
    if response.status_code == 201:
        assert response.json()["owner"] == "alice"
    assert all(same(call[1], "alice") for call in fake.calls if call[0] == "add")


@pytest.mark.clause("C15")
def test_non_integer_item_id_is_422() -> None:
    _, client = overridden(user="alice")
    assert client.get("/items/abc").status_code == 422


# ---------------------------------------------------------------- stateful: the real app


class ItemsApi(RuleBasedStateMachine):
    """Several users create and read items through the real dependencies; a plain dict
    model says what every response must be."""

    def __init__(self) -> None:
        super().__init__()
        self.client = real_client()
        self.client.__enter__()  # one event-loop portal for the whole run: much faster
        self.model: dict[int, tuple[str, str]] = {}

    def teardown(self) -> None:
        self.client.__exit__(None, None, None)

    @rule(key=st.sampled_from(sorted(KEYS)), name=st.text("abz é☕-", min_size=1, max_size=8))
    def create(self, key: str, name: str) -> None:
        response = self.client.post("/items", json={"name": name}, headers={"X-API-Key": key})
        assert response.status_code == 201
        new_id = len(self.model) + 1
        assert response.json() == {"id": new_id, "owner": KEYS[key], "name": name}
        self.model[new_id] = (KEYS[key], name)

    @precondition(lambda self: bool(self.model))
    @rule(key=st.sampled_from(sorted(KEYS)), data=st.data())
    def fetch(self, key: str, data: st.DataObject) -> None:
        item_id = data.draw(st.integers(min_value=0, max_value=len(self.model) + 1))
        response = self.client.get(f"/items/{item_id}", headers={"X-API-Key": key})
        if item_id in self.model and self.model[item_id][0] == KEYS[key]:
            owner, name = self.model[item_id]
            assert response.json() == {"id": item_id, "owner": owner, "name": name}
        else:
            assert response.status_code == 404

    @rule(key=st.sampled_from(["", "key", "key-dave"]))
    def unknown_key(self, key: str) -> None:
        assert self.client.get("/items", headers={"X-API-Key": key}).status_code == 401

    @rule(key=st.sampled_from(sorted(KEYS)))
    def list_own_items(self, key: str) -> None:
        owner = KEYS[key]
        listed = self.client.get("/items", headers={"X-API-Key": key}).json()
        expected = [
            {"id": i, "owner": owner, "name": name}
            for i, (who, name) in sorted(self.model.items())
            if who == owner
        ]
        assert listed == expected


TestItemsApi = ItemsApi.TestCase
TestItemsApi.settings = settings(max_examples=30, stateful_step_count=15)
TestItemsApi.pytestmark = [pytest.mark.clause("C8", "C11", "C12", "C13", "C15")]
