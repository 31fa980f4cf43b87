"""Mask e-mail addresses, payment card numbers and phone numbers in free text."""


def mask_pii(text: str) -> str:
    """Return ``text`` with every e-mail address, card number and phone number masked.

    E-mails keep their first character and domain (``j***@example.com``); cards keep their
    last 4 digits, phones their ``+`` and last 2 digits, both keep their separators.
    Idempotent, and linear in ``len(text)``. See the README for the exact rules.
    """
    raise NotImplementedError
