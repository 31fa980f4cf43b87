"""Hidden suite for the deep_copy exercise."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import solution
from exact import same
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

ATOM_TYPES = (type(None), bool, int, float, complex, str, bytes)
MUTABLE_BUILTINS = (list, dict, set)
# Hypothesis's "explain" phase is slow on these graph properties when a submission fails
# (the failing example is still shrunk and reported), so it is left out.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)


# ---------------------------------------------------------------- sample classes


class Plain:
    """A plain class whose __init__ counts its calls, so a copy that calls it is caught."""

    kind = "plain"  # a class attribute: belongs to the class, not to instances
    init_calls = 0

    def __init__(self, **attrs: Any) -> None:
        Plain.init_calls += 1
        self.__dict__.update(attrs)

    def __repr__(self) -> str:  # short: graphs may be cyclic or heavily shared
        return f"<Plain {sorted(vars(self))}>"


class NeedsArgs:
    """__init__ requires arguments and refuses to run twice on the same data."""

    def __init__(self, name: str, tags: list[str]) -> None:
        if not name:
            raise AssertionError("__init__ must not be called by a copy")
        self.name = name
        self.tags = tags


class SlotBase:
    __slots__ = ("a",)


class Slotted(SlotBase):
    __slots__ = ("b", "c")

    def __init__(self, a: Any = None, b: Any = None, c: Any = None) -> None:
        Plain.init_calls += 1
        self.a, self.b, self.c = a, b, c

    def __repr__(self) -> str:
        return f"<Slotted {[n for n, v in slot_values(self).items() if v is not UNSET]}>"


class SlotsAndDict(SlotBase):
    """Inherits slot ``a`` and, having no __slots__ of its own, also has a __dict__."""


def slot_names(obj: object) -> list[str]:
    names: list[str] = []
    for klass in type(obj).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names.extend((slots,) if isinstance(slots, str) else slots)
    return [name for name in names if name not in ("__dict__", "__weakref__")]


UNSET = object()


def slot_values(obj: object) -> dict[str, Any]:
    return {name: getattr(obj, name, UNSET) for name in slot_names(obj)}


def is_atom(obj: object) -> bool:
    return type(obj) in ATOM_TYPES


def is_mutable(obj: object) -> bool:
    return type(obj) in MUTABLE_BUILTINS or not (is_atom(obj) or type(obj) in (tuple, frozenset))


def children(obj: object) -> Iterator[object]:
    """The objects directly referenced by ``obj`` (as a deep copy must see them)."""
    if type(obj) in (list, tuple, set, frozenset):
        yield from obj  # type: ignore[attr-defined]
    elif type(obj) is dict:
        for key, value in obj.items():  # type: ignore[attr-defined]
            yield key
            yield value
    elif not is_atom(obj):
        if hasattr(obj, "__dict__"):
            yield from vars(obj).values()
        for value in slot_values(obj).values():
            if value is not UNSET:
                yield value


def reachable(root: object) -> list[object]:
    """Every non-atom object reachable from ``root``, each once, in a stable order."""
    seen: dict[int, object] = {}
    stack = [root]
    while stack:
        obj = stack.pop()
        if is_atom(obj) or id(obj) in seen:
            continue
        seen[id(obj)] = obj
        stack.extend(reversed(list(children(obj))))
    return list(seen.values())


def assert_faithful_deep_copy(original: object, copy: object) -> None:
    """Walk both graphs in parallel and check that ``copy`` reproduces ``original``:
    same types and values, atoms identical, every mutable object new, and the same
    sharing and cycles (an original reached twice maps to one and the same copy)."""
    original_ids = {id(obj) for obj in reachable(original)}
    copy_of: dict[int, object] = {}
    original_of: dict[int, int] = {}
    stack: list[tuple[object, object, str]] = [(original, copy, "root")]
    while stack:
        orig, new, path = stack.pop()
        if is_atom(orig):
            assert new is orig, f"{path}: atom {orig!r} was not returned as it is"
            continue
        assert type(new) is type(orig), f"{path}: {type(orig).__name__} became {type(new)}"
        if id(orig) in copy_of:
            assert new is copy_of[id(orig)], f"{path}: a shared object was copied twice"
            continue
        copy_of[id(orig)] = new
        if is_mutable(orig):
            assert id(new) not in original_ids, f"{path}: copy shares a mutable object"
            assert id(new) not in original_of, f"{path}: two originals share one copy"
            original_of[id(new)] = id(orig)
        if type(orig) in (list, tuple):
            assert len(new) == len(orig), f"{path}: length differs"  # type: ignore[arg-type]
            stack.extend(
                (o, n, f"{path}[{i}]")
                for i, (o, n) in enumerate(zip(orig, new, strict=True))  # type: ignore[call-overload]
            )
        elif type(orig) is dict:
            orig_items, new_items = list(orig.items()), list(new.items())  # type: ignore[attr-defined]
            assert len(new_items) == len(orig_items), f"{path}: dict size differs"
            for i, ((ok, ov), (nk, nv)) in enumerate(zip(orig_items, new_items, strict=True)):
                stack.append((ok, nk, f"{path}.key#{i}"))
                stack.append((ov, nv, f"{path}[{ok!r}]"))
        elif type(orig) in (set, frozenset):
            assert same(new, orig), f"{path}: set elements differ"
            by_value = {element: element for element in new}  # type: ignore[attr-defined]
            stack.extend((o, by_value[o], f"{path}{{{o!r}}}") for o in orig)  # type: ignore[attr-defined]
        else:
            if hasattr(orig, "__dict__"):
                assert same(list(vars(new)), list(vars(orig))), f"{path}: attribute names differ"
                stack.extend(
                    (value, vars(new)[name], f"{path}.{name}") for name, value in vars(orig).items()
                )
            new_slots = slot_values(new)
            for name, value in slot_values(orig).items():
                if value is UNSET:
                    assert new_slots[name] is UNSET, f"{path}.{name}: unset slot was set"
                else:
                    assert new_slots[name] is not UNSET, f"{path}.{name}: slot not copied"
                    stack.append((value, new_slots[name], f"{path}.{name}"))


def fingerprint(root: object) -> object:
    """A comparable description of the whole graph under ``root``, sharing included."""
    index: dict[int, int] = {}

    def describe(obj: object) -> object:
        if is_atom(obj):
            return (type(obj).__name__, repr(obj))
        if id(obj) in index:
            return ("ref", index[id(obj)])
        index[id(obj)] = len(index)
        kind = type(obj).__name__
        if type(obj) is dict:
            return (kind, tuple((describe(k), describe(v)) for k, v in obj.items()))  # type: ignore[attr-defined]
        if type(obj) in (list, tuple, set, frozenset):
            return (kind, tuple(describe(item) for item in obj))  # type: ignore[attr-defined]
        if type(obj) in (Plain, Slotted, SlotsAndDict, NeedsArgs):
            attrs = vars(obj) if hasattr(obj, "__dict__") else {}
            slots = {k: v for k, v in slot_values(obj).items() if v is not UNSET}
            return (
                kind,
                tuple((name, describe(value)) for name, value in attrs.items()),
                tuple((name, describe(value)) for name, value in slots.items()),
            )
        return ("other", id(obj))

    return describe(root)


MARK = object()


def mutate_everything(root: object) -> None:
    """Change every mutable object reachable from ``root``."""
    for obj in reachable(root):
        if type(obj) is list:
            obj.append(MARK)
        elif type(obj) is dict:
            obj[MARK] = MARK
        elif type(obj) is set:
            obj.add(MARK)
        elif is_mutable(obj):
            if hasattr(obj, "__dict__"):
                obj.__dict__["mutated"] = MARK
            for name in slot_names(obj):
                object.__setattr__(obj, name, MARK)


def deep(obj: Any) -> Any:
    """``solution.deep_copy(obj)``, required to be of exactly the type of ``obj``."""
    copy = solution.deep_copy(obj)
    assert type(copy) is type(obj), f"deep_copy returned a {type(copy).__qualname__}"
    return copy


def shallow(obj: Any) -> Any:
    """``solution.shallow_copy(obj)``, required to be of exactly the type of ``obj``."""
    copy = solution.shallow_copy(obj)
    assert type(copy) is type(obj), f"shallow_copy returned a {type(copy).__qualname__}"
    return copy


def make_plain(**attrs: Any) -> Plain:
    return Plain(**attrs)


# ---------------------------------------------------------------- deep_copy: atoms


@pytest.mark.clause("C7")
@pytest.mark.parametrize(
    "atom",
    [
        None,
        True,
        False,
        0,
        10**30,
        -7,
        1.5,
        -0.0,
        float("inf"),
        2 + 3j,
        "",
        "text" * 10,
        b"",
        b"xy",
    ],
    ids=repr,
)
def test_deep_copy_returns_atoms_as_they_are(atom: object) -> None:
    assert deep(atom) is atom


@pytest.mark.clause("C7")
def test_deep_copy_keeps_the_same_atom_objects_inside_containers() -> None:
    big, text, raw, number = 10**40, "a longer string " * 4, b"\x00bytes" * 3, 3.25
    copy = deep([big, {"k": text, text: raw}, (number, big), {raw}])
    assert copy[0] is big
    assert copy[1]["k"] is text
    assert list(copy[1])[1] is text
    assert copy[1][text] is raw
    assert copy[2][0] is number
    assert copy[2][1] is big
    assert next(iter(copy[3])) is raw


# ---------------------------------------------------------------- deep_copy: containers


@pytest.mark.clause("C6", "C8")
def test_deep_copy_nested_lists_are_new_and_independent() -> None:
    original = [1, [2, [3, [4]]]]
    copy = deep(original)
    assert same(copy, original)
    assert copy is not original
    assert copy[1] is not original[1]
    assert copy[1][1] is not original[1][1]
    copy[1][1][1].append(5)
    assert same(original, [1, [2, [3, [4]]]])


@pytest.mark.clause("C8", "C9")
def test_deep_copy_dict_copies_values_and_keeps_insertion_order() -> None:
    original = {"z": [1], "a": {"inner": [2]}, "m": 3}
    copy = deep(original)
    assert same(copy, original)
    assert same(list(copy), ["z", "a", "m"])
    assert copy["z"] is not original["z"]
    assert copy["a"]["inner"] is not original["a"]["inner"]


@pytest.mark.clause("C8")
def test_deep_copy_copies_sets_and_frozensets_with_their_types() -> None:
    original = [{1, 2, (3, 4)}, frozenset({"a", frozenset({"b"})})]
    copy = deep(original)
    assert same(copy, original)
    assert type(copy[0]) is set
    assert copy[0] is not original[0]
    assert type(copy[1]) is frozenset


@pytest.mark.clause("C8")
def test_deep_copy_tuple_holding_a_list_is_a_new_tuple_with_a_new_list() -> None:
    original = ([1, 2], "x")
    copy = deep(original)
    assert type(copy) is tuple
    assert same(copy, original)
    assert copy[0] is not original[0]
    copy[0].append(3)
    assert same(original, ([1, 2], "x"))


@pytest.mark.clause("C9")
def test_deep_copy_copies_dict_keys_and_set_elements_that_are_instances() -> None:
    key = Plain(name="key", data=[1])
    original = {"by_key": {key: "value"}, "in_set": {key}, "direct": key}
    copy = deep(original)
    (copied_key,) = copy["by_key"]
    assert copied_key is not key
    assert copied_key is copy["direct"]
    assert next(iter(copy["in_set"])) is copy["direct"]
    assert same(copy["by_key"][copied_key], "value")
    copied_key.data.append(2)
    assert same(key.data, [1])


# ---------------------------------------------------------------- deep_copy: sharing and cycles


@pytest.mark.clause("C13")
def test_deep_copy_preserves_shared_references() -> None:
    shared = [1, 2]
    original = {"x": shared, "y": [shared, shared], "z": (shared,)}
    copy = deep(original)
    assert copy["x"] is not shared
    assert copy["y"][0] is copy["x"]
    assert copy["y"][1] is copy["x"]
    assert copy["z"][0] is copy["x"]


@pytest.mark.clause("C13")
def test_deep_copy_shared_tuple_is_copied_once() -> None:
    shared = ([1], 2)
    copy = deep([shared, {"again": shared}])
    assert copy[0] is copy[1]["again"]
    assert copy[0][0] is not shared[0]


@pytest.mark.clause("C13")
def test_deep_copy_shared_instance_is_copied_once() -> None:
    shared = Plain(value=[0])
    copy = deep([shared, Plain(ref=shared)])
    assert copy[1].ref is copy[0]
    assert copy[0] is not shared


@pytest.mark.clause("C14")
def test_deep_copy_reproduces_a_self_referencing_list() -> None:
    original: list[Any] = [1]
    original.append(original)
    copy = deep(original)
    assert copy is not original
    assert same(copy[0], 1)
    assert copy[1] is copy


@pytest.mark.clause("C14")
def test_deep_copy_reproduces_a_self_referencing_dict() -> None:
    original: dict[str, Any] = {"n": 1}
    original["self"] = original
    copy = deep(original)
    assert copy is not original
    assert copy["self"] is copy


@pytest.mark.clause("C14")
def test_deep_copy_reproduces_a_cycle_through_a_tuple_from_the_list() -> None:
    inner: list[Any] = []
    pair = (inner, "tag")
    inner.append(pair)
    copy = deep(inner)
    assert copy is not inner
    assert copy[0][0] is copy
    assert same(copy[0][1], "tag")


@pytest.mark.clause("C14")
def test_deep_copy_reproduces_a_cycle_through_a_tuple_from_the_tuple() -> None:
    inner: list[Any] = []
    pair = (inner, "tag")
    inner.append(pair)
    copy = deep(pair)
    assert copy[0] is not inner
    assert copy[0][0] is copy


@pytest.mark.clause("C14")
def test_deep_copy_reproduces_a_cycle_through_a_frozenset_and_an_instance() -> None:
    node = Plain(name="n")
    group = frozenset({node})
    node.group = group
    copy = deep(group)
    (copied_node,) = copy
    assert copied_node is not node
    assert copied_node.group is copy


@pytest.mark.clause("C14")
def test_deep_copy_reproduces_a_cycle_through_a_set_and_an_instance() -> None:
    node = Plain()
    members = {node}
    node.members = members
    copy = deep(node)
    assert type(copy) is Plain
    assert copy is not node
    assert copy.members is not members
    assert type(copy.members) is set and len(copy.members) == 1
    assert next(iter(copy.members)) is copy


@pytest.mark.clause("C10", "C14")
def test_deep_copy_reproduces_mutually_referencing_instances() -> None:
    parent = Plain(name="parent", children=[])
    child = Plain(name="child", parent=parent)
    parent.children.append(child)
    copy = deep(parent)
    assert copy.children[0].parent is copy
    assert copy.children[0] is not child
    assert same(copy.children[0].name, "child")


# ---------------------------------------------------------------- deep_copy: instances


@pytest.mark.clause("C10")
def test_deep_copy_instance_is_made_without_calling_init() -> None:
    original = NeedsArgs("ada", ["x"])
    copy = deep(original)
    assert type(copy) is NeedsArgs
    assert same(copy.name, "ada")
    assert same(copy.tags, ["x"])
    assert copy.tags is not original.tags


@pytest.mark.clause("C10")
def test_deep_copy_never_calls_init_even_when_it_takes_no_arguments() -> None:
    original = [Plain(x=1), Slotted(1, 2, 3), Plain(y=Plain())]
    before = Plain.init_calls
    copy = deep(original)
    assert same(Plain.init_calls, before)
    assert type(copy) is list
    assert [type(item) for item in copy] == [Plain, Slotted, Plain]


@pytest.mark.clause("C10")
def test_deep_copy_instance_attributes_are_deep_copied() -> None:
    original = Plain(items=[1, [2]], meta={"k": [3]})
    copy = deep(original)
    assert type(copy) is Plain
    assert copy is not original
    assert same(copy.items, [1, [2]])
    assert copy.items[1] is not original.items[1]
    assert copy.meta["k"] is not original.meta["k"]
    copy.items[1].append(9)
    assert same(original.items, [1, [2]])


@pytest.mark.clause("C12")
def test_deep_copy_does_not_copy_class_attributes_into_the_instance() -> None:
    copy = deep(Plain(x=1))
    assert same(vars(copy), {"x": 1})
    assert same(copy.kind, "plain")


@pytest.mark.clause("C10")
def test_deep_copy_slotted_instance_copies_inherited_slots() -> None:
    original = Slotted(a=[1], b=[2], c="three")
    copy = deep(original)
    assert type(copy) is Slotted
    assert same((copy.a, copy.b, copy.c), ([1], [2], "three"))
    assert copy.a is not original.a
    assert copy.b is not original.b


@pytest.mark.clause("C11")
def test_deep_copy_unset_slot_stays_unset() -> None:
    original = Slotted.__new__(Slotted)
    original.b = [1]
    copy = deep(original)
    assert same(copy.b, [1])
    assert not hasattr(copy, "a")
    assert not hasattr(copy, "c")


@pytest.mark.clause("C10")
def test_deep_copy_instance_with_slots_and_a_dict() -> None:
    original = SlotsAndDict()
    original.a = [1]
    original.extra = {"k": [2]}
    copy = deep(original)
    assert same(copy.a, [1])
    assert copy.a is not original.a
    assert same(vars(copy), {"extra": {"k": [2]}})
    assert copy.extra["k"] is not original.extra["k"]


# ---------------------------------------------------------------- deep_copy: properties

ATOMS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.complex_numbers(allow_nan=False),
    st.text(max_size=4),
    st.binary(max_size=4),
)
HASHABLES = st.recursive(
    ATOMS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(tuple), st.frozensets(inner, max_size=3)
    ),
    max_leaves=6,
)
ATTRIBUTE_NAMES = st.sampled_from(["x", "y", "value", "items"])


def containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(HASHABLES, inner, max_size=3),
        st.sets(HASHABLES, max_size=3),
        st.frozensets(HASHABLES, max_size=3),
        st.dictionaries(ATTRIBUTE_NAMES, inner, max_size=3).map(lambda attrs: Plain(**attrs)),
        st.tuples(inner, inner).map(lambda ab: Slotted(a=ab[0], b=ab[1])),
    )


VALUES = st.recursive(st.one_of(ATOMS, HASHABLES), containers, max_leaves=15)


def add_links(root: object, data: st.DataObject) -> None:
    """Make the drawn tree a graph: extra references create sharing and cycles."""
    nodes = reachable(root)
    sources = [node for node in nodes if type(node) in (list, dict, Plain, Slotted)]
    if not sources:
        return
    links = data.draw(
        st.lists(
            st.tuples(
                st.integers(0, len(sources) - 1),  # indices: cheaper to report than objects
                st.integers(0, len(nodes) - 1),
            ),
            max_size=4,
        ),
        label="links (source, target)",
    )
    for number, (source_index, target_index) in enumerate(links):
        source, target = sources[source_index], nodes[target_index]
        if type(source) is list:
            source.append(target)
        elif type(source) is dict:
            source[f"link{number}"] = target
        elif type(source) is Plain:
            setattr(source, f"link{number}", target)
        else:
            source.c = target  # type: ignore[attr-defined]


@pytest.mark.clause("C8", "C9", "C10", "C13", "C14")
@settings(max_examples=250, phases=PHASES)
@given(root=VALUES, data=st.data())
def test_deep_copy_property_reproduces_any_graph_faithfully(
    root: object, data: st.DataObject
) -> None:
    add_links(root, data)
    assert_faithful_deep_copy(root, deep(root))


@pytest.mark.clause("C6")
@settings(max_examples=150, phases=PHASES)
@given(root=VALUES, data=st.data())
def test_deep_copy_property_mutating_the_copy_never_changes_the_original(
    root: object, data: st.DataObject
) -> None:
    add_links(root, data)
    before = fingerprint(root)
    copy = deep(root)
    assert type(copy) is type(root)
    mutate_everything(copy)
    assert same(fingerprint(root), before)


# ---------------------------------------------------------------- shallow_copy


@pytest.mark.clause("C5")
@pytest.mark.parametrize(
    "value",
    [None, True, 10**30, 2.5, 1j, "text", b"raw", (1, 2), ([1], {"k": 2}), frozenset({1, 2}), ()],
    ids=repr,
)
def test_shallow_copy_returns_atoms_tuples_and_frozensets_as_they_are(value: object) -> None:
    assert shallow(value) is value


@pytest.mark.clause("C2")
def test_shallow_copy_list_is_a_new_list_of_the_same_items() -> None:
    inner = [1]
    original = [inner, "a", inner]
    copy = shallow(original)
    assert type(copy) is list
    assert copy is not original
    assert same(copy, original)
    assert copy[0] is inner
    assert copy[2] is inner
    copy.append("new")
    assert same(original, [[1], "a", [1]])
    inner.append(2)
    assert same(copy[0], [1, 2])


@pytest.mark.clause("C2")
def test_shallow_copy_dict_keeps_order_and_the_same_objects() -> None:
    value = [1]
    key = (1, 2)
    original = {"z": value, key: "k", "a": None}
    copy = shallow(original)
    assert type(copy) is dict
    assert copy is not original
    assert same(list(copy), ["z", key, "a"])
    assert copy["z"] is value
    assert next(k for k in copy if k == key) is key
    copy["new"] = 1
    assert "new" not in original


@pytest.mark.clause("C2")
def test_shallow_copy_set_is_a_new_set_of_the_same_elements() -> None:
    node = Plain()
    original = {1, "a", node}
    copy = shallow(original)
    assert type(copy) is set
    assert copy is not original
    assert same({id(item) for item in copy}, {id(item) for item in original})
    assert node in copy
    copy.add(2)
    assert 2 not in original


@pytest.mark.clause("C3")
def test_shallow_copy_instance_shares_attribute_values_without_calling_init() -> None:
    items = [1, 2]
    original = NeedsArgs("ada", items)
    copy = shallow(original)
    assert type(copy) is NeedsArgs
    assert copy is not original
    assert same(copy.name, "ada")
    assert copy.tags is items


@pytest.mark.clause("C3")
def test_shallow_copy_instance_never_calls_init() -> None:
    before = Plain.init_calls
    plain = shallow(Plain(x=1))
    slotted = shallow(Slotted(1, 2, 3))
    assert same(Plain.init_calls, before + 2)  # only the two constructions above
    assert type(plain) is Plain and type(slotted) is Slotted


@pytest.mark.clause("C4")
def test_shallow_copy_setting_an_attribute_on_the_copy_leaves_the_original() -> None:
    original = Plain(x=1)
    copy = shallow(original)
    assert type(copy) is Plain and copy is not original
    copy.x = 2
    copy.y = 3
    assert same(vars(original), {"x": 1})


@pytest.mark.clause("C3")
def test_shallow_copy_slotted_instance_with_inherited_and_unset_slots() -> None:
    items = [1]
    original = Slotted.__new__(Slotted)
    original.a = items
    original.b = "b"
    copy = shallow(original)
    assert type(copy) is Slotted
    assert copy is not original
    assert copy.a is items
    assert same(copy.b, "b")
    assert not hasattr(copy, "c")
    copy.b = "changed"
    assert same(original.b, "b")


@pytest.mark.clause("C3", "C4")
def test_shallow_copy_instance_with_slots_and_a_dict() -> None:
    original = SlotsAndDict()
    original.a = [1]
    original.extra = [2]
    copy = shallow(original)
    assert copy.a is original.a
    assert copy.extra is original.extra
    assert vars(copy) is not vars(original)


@pytest.mark.clause("C2")
@settings(max_examples=100, phases=PHASES)
@given(
    original=st.one_of(
        st.lists(VALUES, max_size=5),
        st.dictionaries(HASHABLES, VALUES, max_size=5),
        st.sets(HASHABLES, max_size=5),
    )
)
def test_shallow_copy_property_new_container_same_item_objects(original: Any) -> None:
    copy = shallow(original)
    assert type(copy) is type(original)
    assert copy is not original
    assert same(copy, original)
    if type(original) is list:
        assert all(a is b for a, b in zip(copy, original, strict=True))
    elif type(original) is dict:
        assert same(list(copy), list(original))
        assert all(copy[key] is original[key] for key in original)
    else:
        assert same({id(item) for item in copy}, {id(item) for item in original})


# ---------------------------------------------------------------- slot forms and frozen classes


class Account:
    __slots__ = ("__secret", "owner")

    def __init__(self) -> None:
        raise AssertionError("__init__ must not be called by a copy")

    def secret(self) -> Any:
        return self.__secret


class SavingsAccount(Account):
    __slots__ = "__secret"  # a single string, and a private name mangled for this class

    def own_secret(self) -> Any:
        return self.__secret


class _Hidden:
    __slots__ = ("__weakref__", "__x")

    def x(self) -> Any:
        return self.__x


class WithSlotDict:
    __slots__ = ("__dict__", "a")


@dataclass(frozen=True)
class FrozenPoint:
    x: Any
    tags: Any


@dataclass(frozen=True, slots=True)
class FrozenSlotted:
    x: Any
    tags: Any


def make_savings(base_secret: Any, own_secret: Any, owner: Any) -> SavingsAccount:
    account = SavingsAccount.__new__(SavingsAccount)
    object.__setattr__(account, "_Account__secret", base_secret)
    object.__setattr__(account, "_SavingsAccount__secret", own_secret)
    account.owner = owner
    return account


@pytest.mark.clause("C1", "C3", "C10")
def test_private_slots_of_every_class_are_copied_under_their_mangled_names() -> None:
    base_secret, own_secret, owner = ["base"], {"own": 1}, "ann"
    account = make_savings(base_secret, own_secret, owner)
    copy = deep(account)
    assert type(copy) is SavingsAccount and copy is not account
    assert same(copy.secret(), ["base"]) and copy.secret() is not base_secret
    assert same(copy.own_secret(), {"own": 1}) and copy.own_secret() is not own_secret
    assert copy.owner is owner
    flat = shallow(account)
    assert type(flat) is SavingsAccount and flat is not account
    assert flat.secret() is base_secret
    assert flat.own_secret() is own_secret
    assert flat.owner is owner


@pytest.mark.clause("C1", "C11")
def test_an_unset_private_slot_stays_unset() -> None:
    account = Account.__new__(Account)
    account.owner = "bob"
    for copy in (deep(account), shallow(account)):
        assert copy.owner == "bob"
        with pytest.raises(AttributeError):
            copy.secret()


@pytest.mark.clause("C1", "C3", "C10")
def test_a_class_with_leading_underscores_mangles_without_them() -> None:
    hidden = _Hidden.__new__(_Hidden)
    value = [1, 2]
    object.__setattr__(hidden, "_Hidden__x", value)
    copy = deep(hidden)
    assert type(copy) is _Hidden
    assert same(copy.x(), [1, 2]) and copy.x() is not value
    assert shallow(hidden).x() is value


@pytest.mark.clause("C1", "C10")
def test_weakref_and_dict_entries_of_slots_are_not_state_slots() -> None:
    hidden = _Hidden.__new__(_Hidden)
    object.__setattr__(hidden, "_Hidden__x", "x")
    alive = weakref.ref(hidden)
    copy = deep(hidden)
    assert same(copy.x(), "x")
    assert weakref.ref(copy)() is copy
    assert alive() is hidden
    both = WithSlotDict()
    both.a = [1]
    both.extra = {"k": [2]}  # type: ignore[attr-defined]
    for copied in (deep(both), shallow(both)):
        assert type(copied) is WithSlotDict
        assert same(copied.a, [1])
        assert same(vars(copied), {"extra": {"k": [2]}})
    assert deep(both).extra is not both.extra  # type: ignore[attr-defined]
    assert shallow(both).extra is both.extra  # type: ignore[attr-defined]


@pytest.mark.clause("C1", "C3", "C10")
@pytest.mark.parametrize("cls_name", ["FrozenPoint", "FrozenSlotted"])
def test_instances_of_frozen_dataclasses_are_copied(cls_name: str) -> None:
    cls = {"FrozenPoint": FrozenPoint, "FrozenSlotted": FrozenSlotted}[cls_name]
    tags = ["a"]
    point = cls(1, tags)
    copy = deep(point)
    assert type(copy) is cls and copy is not point
    assert copy.x == 1 and same(copy.tags, ["a"]) and copy.tags is not tags
    flat = shallow(point)
    assert type(flat) is cls and flat is not point and flat.tags is tags
    key = cls(2, ("t",))
    mapping = deep({key: [key]})
    (copied_key,) = mapping
    assert type(copied_key) is cls and mapping[copied_key][0] is copied_key
