"""Example tests for the profiling exercise (the hidden suite also checks speed on 20,000 records)."""

from solution import Customer, find_duplicates


def test_readme_example() -> None:
    customers = [
        Customer("Ann", "ann@example.com", "555 010 9999"),
        Customer("Bob", "bob@example.com", "555 010 1234"),
        Customer("Ann B.", " ANN@example.com", "+1 (555) 010-9999"),
        Customer("Robert", "Bob@Example.com", "555.010.1234"),
        Customer("Cy", "cy@example.com", "555 010 0000"),
    ]
    assert find_duplicates(customers) == [[0, 2], [1, 3]]


def test_groups_ordered_by_their_first_index() -> None:
    keys = [("a@x.io", "1"), ("b@x.io", "2"), ("b@x.io", "2"), ("a@x.io", "1"), ("c@x.io", "3")]
    customers = [Customer(f"c{i}", email, phone) for i, (email, phone) in enumerate(keys)]
    assert find_duplicates(customers) == [[0, 3], [1, 2]]


def test_no_duplicates() -> None:
    assert find_duplicates([Customer("a", "a@x.io", "1"), Customer("b", "b@x.io", "1")]) == []
