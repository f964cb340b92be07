"""RFC 6238 codes as authenticator apps make them; a code is taken within one step of now
and never for a step already used."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

from desk.totp import code_at, matching_step, new_secret, provisioning_uri

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


def test_codes_match_the_rfc_6238_test_vectors() -> None:
    # RFC 6238 appendix B (SHA-1), the last six of its eight digits.
    for when, code in ((59, "287082"), (1111111109, "081804"), (1234567890, "005924"),
                       (2000000000, "279037")):
        assert code_at(RFC_SECRET, when // 30) == code


def test_a_code_is_taken_one_step_either_side_of_now_but_not_two() -> None:
    now = 1_000_000_000.0
    step = int(now // 30)
    for offset in (-1, 0, 1):
        assert matching_step(RFC_SECRET, code_at(RFC_SECRET, step + offset), 0, now) == step + offset
    for offset in (-2, 2):
        assert matching_step(RFC_SECRET, code_at(RFC_SECRET, step + offset), 0, now) is None


def test_a_code_of_a_step_already_used_is_refused() -> None:
    now = 1_000_000_000.0
    step = int(now // 30)
    code = code_at(RFC_SECRET, step)
    assert matching_step(RFC_SECRET, code, step - 1, now) == step
    assert matching_step(RFC_SECRET, code, step, now) is None


def test_spaces_are_ignored_and_other_text_is_not_a_code() -> None:
    now = 1_000_000_000.0
    code = code_at(RFC_SECRET, int(now // 30))
    assert matching_step(RFC_SECRET, f" {code[:3]} {code[3:]} ", 0, now) is not None
    assert matching_step(RFC_SECRET, "abcdef", 0, now) is None
    assert matching_step(RFC_SECRET, code + "1", 0, now) is None


def test_the_otpauth_address_carries_the_secret_and_issuer() -> None:
    secret = new_secret()
    uri = urlparse(provisioning_uri(secret, "ana@desk.test", "Desk"))
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert uri.path == "/Desk:ana@desk.test"
    query = parse_qs(uri.query)
    assert query["secret"] == [secret] and query["issuer"] == ["Desk"]
    assert len(base64.b32decode(secret)) == 20
