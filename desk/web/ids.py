"""`{name:id}` in a page's path: a row id the database can hold (1 to 2**31 - 1).

Starlette's `int` matches any run of digits, and a number past what the id column holds
made the database raise (a 500). A path whose number no row can have does not match at all:
the visitor gets the plain 404 of an unknown page."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

MAX_ID = 2**31 - 1


def _at_most(limit: str) -> str:
    """A regular expression for decimal numbers from 0 to `limit` (leading zeros allowed)."""
    shorter = f"0*[0-9]{{1,{len(limit) - 1}}}"
    same_length = []
    for i, digit in enumerate(limit):
        rest = len(limit) - i - 1
        if digit != "0":
            same_length.append(f"{limit[:i]}[0-{int(digit) - 1}][0-9]{{{rest}}}")
    same_length.append(limit)
    return "|".join([shorter, *(f"0*{alt}" for alt in same_length)])


class IdConvertor(Convertor[int]):
    regex = f"(?:{_at_most(str(MAX_ID))})"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())
