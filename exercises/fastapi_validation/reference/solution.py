"""A create-transaction API whose pydantic models reject bad money before any code sees it."""

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

MAX_AMOUNT = Decimal("1000000.00")
CENT = Decimal("0.01")
# IBAN-shaped: country, check digits, 10-30 letters or digits. [0-9], not \d: \d also
# matches non-ASCII digits such as "٣".
ACCOUNT = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}")
# Plain decimal text. Decimal() alone is too lenient for money on the wire: it strips
# whitespace and reads "5_000" and any Unicode digit ("١٢").
DECIMAL_TEXT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")

Currency = Literal["EUR", "USD", "GBP", "CHF"]
Amount = Annotated[
    Decimal,
    # decimal_places counts significant places, so "12.500" passes and "12.505" does not;
    # pydantic also rejects NaN and infinities for Decimal by default.
    Field(gt=0, le=MAX_AMOUNT, decimal_places=2),
]
Reference = Annotated[str, Field(pattern=r"^[A-Za-z0-9 /-]{1,35}$")]


def _normalise_account(value: Any) -> Any:
    """Drop spaces and upper-case, as people write IBANs in groups of four."""
    if not isinstance(value, str):
        return value  # let pydantic report the wrong type instead of crashing here
    return value.replace(" ", "").upper()


class TransactionIn(BaseModel):
    """The request body. Unknown fields are refused so a client cannot slip in an ``id``."""

    model_config = ConfigDict(extra="forbid")

    source_account: str
    destination_account: str
    amount: Amount
    currency: Currency
    reference: Reference | None = None

    @field_validator("source_account", "destination_account", mode="before")
    @classmethod
    def _accounts_before(cls, value: Any) -> Any:
        return _normalise_account(value)

    @field_validator("source_account", "destination_account")
    @classmethod
    def _account_shape(cls, value: str) -> str:
        if not ACCOUNT.fullmatch(value):
            raise ValueError("must be 2 letters, 2 digits, then 10-30 letters or digits")
        return value

    @field_validator("destination_account")
    @classmethod
    def _differs_from_source(cls, value: str, info: ValidationInfo) -> str:
        # A field validator (not a model validator) so that the error's loc names the
        # field. Fields validate in declaration order: a valid source is already in data.
        if info.data.get("source_account") == value:
            raise ValueError("must differ from source_account")
        return value

    @field_validator("amount", mode="before")
    @classmethod
    def _plain_decimal_text(cls, value: Any) -> Any:
        if isinstance(value, str) and not DECIMAL_TEXT.fullmatch(value):
            raise ValueError("must be plain decimal text such as 12.50")
        return value

    @field_validator("amount")
    @classmethod
    def _two_places(cls, value: Decimal) -> Decimal:
        return value.quantize(CENT)  # "1e2" -> 100.00, "12.5" -> 12.50

    @field_validator("currency", mode="before")
    @classmethod
    def _upper_currency(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class Transaction(TransactionIn):
    """A stored transaction: the validated request plus its id."""

    id: int


def create_app() -> FastAPI:
    """Build an app with its own empty in-memory store (ids start at 1)."""
    app = FastAPI()
    store: dict[int, Transaction] = {}

    @app.post("/transactions", status_code=status.HTTP_201_CREATED)
    def create_transaction(body: TransactionIn) -> Transaction:
        transaction = Transaction(id=len(store) + 1, **body.model_dump())
        store[transaction.id] = transaction
        return transaction

    @app.get("/transactions/{transaction_id}")
    def get_transaction(transaction_id: int) -> Transaction:
        if transaction_id not in store:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "transaction not found")
        return store[transaction_id]

    return app
