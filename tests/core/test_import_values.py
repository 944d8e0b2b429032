"""Cell values (issue 14 §3): e-mail addresses and phone numbers. The fast path for plain e-mail
addresses never accepts one email-validator would refuse."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from core.values import _PLAIN_EMAIL, BadValue, _plain_email, parse_email, parse_phone


@settings(max_examples=400, deadline=None)
@given(st.from_regex(_PLAIN_EMAIL, fullmatch=True))
def test_what_the_fast_path_takes_email_validator_takes_too(address: str) -> None:
    if _plain_email(address):
        validate_email(address, check_deliverability=False)


@pytest.mark.parametrize(
    "address",
    [
        "contact@@example",
        "contact@example",
        "a..b@x.cn",
        ".a@x.cn",
        "a.@x.cn",
        "a@-x.cn",
        "a@x-.cn",
        "a@x.123",
        "a b@x.cn",
        "a@x.local",
        "a@x.test",
        "@x.cn",
        "a@",
        "a@x..cn",
    ],
)
def test_malformed_addresses_are_refused(address: str) -> None:
    with pytest.raises(BadValue) as refused:
        parse_email(address)
    assert refused.value.code == "email"
    with pytest.raises(EmailNotValidError):  # and the library agrees
        validate_email(address, check_deliverability=False)


@pytest.mark.parametrize(
    "address",
    ["zhang@hw.example", "first.last+tag@sub.example.com.cn", "o'neil@x.co", "张伟@例子.中国", "USER@EXAMPLE.ORG"],
)
def test_well_formed_addresses_pass_as_written(address: str) -> None:
    assert parse_email(f"  {address} ") == address


@pytest.mark.parametrize(
    ("number", "region"),
    [
        ("13800138000", "CN"),
        ("138 0013 8000", "CN"),
        ("+86 138-0013-8000", "US"),
        ("010-8888 6666", "CN"),
        ("+86 10 8888 6666", "CN"),
        ("555-0100", "US"),
        ("+1 (415) 555-0100", "CN"),
        ("0086 13800138000", "CN"),
        ("138 0013 8000 转 21", "CN"),
        ("1-415-555-0100", "US"),
    ],
)
def test_phone_numbers_as_people_write_them(number: str, region: str) -> None:
    assert parse_phone(number, region) == number


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("1380013800", "phone_cn_mobile"),
        ("+86 138001380001", "phone_cn_mobile"),
        ("call me", "phone"),
        ("12", "phone"),
        ("138#0013", "phone"),
    ],
)
def test_bad_phone_numbers_are_refused(number: str, code: str) -> None:
    with pytest.raises(BadValue) as refused:
        parse_phone(number, "CN")
    assert refused.value.code == code
