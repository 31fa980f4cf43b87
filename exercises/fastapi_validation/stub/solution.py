"""A create-transaction API whose pydantic models reject bad money before any code sees it."""

from fastapi import FastAPI


def create_app() -> FastAPI:
    """Build an app with its own empty in-memory store of transactions.

    ``POST /transactions`` validates the JSON body (see the README for every rule) and
    answers 201 with the stored, normalised transaction and its ``id`` (1, 2, 3, ... per
    app), or 422 with FastAPI's field-level error detail.
    ``GET /transactions/{transaction_id}`` returns a stored transaction, or 404.
    """
    raise NotImplementedError
