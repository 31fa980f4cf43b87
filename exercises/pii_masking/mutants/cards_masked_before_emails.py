"""MUTANT: numbers are masked in the whole text first and e-mails afterwards, so a card number used as an e-mail local part is masked as a card ("****...1111@" then "*") instead of as an address."""

import re

# "*" counts as part of the local part (so "j***@example.com" is still an address) and may
# not follow the domain (so masking "x@a.bc4111..." cannot turn it into an address):
# both keep masking idempotent.
_LOCAL = "A-Za-z0-9._%+*-"
# The look-behind pins the match to the start of the local-part run. Without it, a long
# run of local-part characters with no "@" is rescanned from every position: quadratic.
# Labels exclude ".", so the domain cannot backtrack catastrophically either.
EMAIL = re.compile(
    rf"(?<![{_LOCAL}])[{_LOCAL}]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{{2,}}(?![A-Za-z0-9*-])"
)
# An optional "+", then digits that may be separated by single spaces or hyphens.
# [0-9], not \d: \d also matches non-ASCII digits such as "٣".
NUMBER = re.compile(r"(\+?)([0-9](?:[ -]?[0-9])*)")


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum: double every second digit counting from the rightmost one."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _hide_digits(group: str, keep: int) -> str:
    """Replace every digit but the last ``keep`` with "*", leaving separators in place."""
    to_hide = sum(char.isdigit() for char in group) - keep
    chars = []
    for char in group:
        if char.isdigit() and to_hide > 0:
            chars.append("*")
            to_hide -= 1
        else:
            chars.append(char)
    return "".join(chars)


def _mask_number(match: re.Match[str]) -> str:
    plus, group = match.group(1), match.group(2)
    digits = group.replace(" ", "").replace("-", "")
    if plus and 8 <= len(digits) <= 15:
        return plus + _hide_digits(group, keep=2)
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return plus + _hide_digits(group, keep=4)
    return match.group(0)


def _mask_email(match: re.Match[str]) -> str:
    local, _, domain = match.group(0).rpartition("@")
    return f"{local[0]}***@{domain}"


def mask_pii(text: str) -> str:
    """Return ``text`` with every e-mail address, card number and phone number masked.

    E-mail addresses are found first; numbers are only looked for between them, so the
    digits of an address are never mistaken for a card. Linear time in ``len(text)``.
    """
    return EMAIL.sub(_mask_email, NUMBER.sub(_mask_number, text))
