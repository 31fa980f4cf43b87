"""Example tests for argument_passing (the graded suite is more thorough)."""

from solution import append_tag, deep_merge


def test_deep_merge_readme_example() -> None:
    defaults = {"db": {"host": "localhost", "port": 5432}, "features": ["a"], "debug": False}
    user = {"db": {"port": 6543}, "features": ["b"], "name": "svc"}
    merged = deep_merge(defaults, user)
    assert merged == {
        "db": {"host": "localhost", "port": 6543},
        "features": ["b"],
        "debug": False,
        "name": "svc",
    }


def test_deep_merge_leaves_the_defaults_alone() -> None:
    defaults = {"db": {"host": "localhost"}}
    merged = deep_merge(defaults, {})
    merged["db"]["host"] = "elsewhere"
    assert defaults == {"db": {"host": "localhost"}}


def test_append_tag_calls_do_not_share_a_list() -> None:
    assert append_tag("a") == ["a"]
    assert append_tag("b") == ["b"]
