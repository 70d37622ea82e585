"""The bounded reader: every check before any arithmetic, one exception with a message."""

import datetime as dt
import json
from decimal import Decimal

import pytest

import bounded
from bounded import OutOfBounds


def refusal(read, *args, **kwargs) -> str:
    with pytest.raises(OutOfBounds) as caught:
        read(*args, **kwargs)
    return str(caught.value)


def test_an_exponent_of_two_million_is_refused_by_its_digits_not_computed():
    assert refusal(bounded.integer, "1e2000000", field="tot_ccld_qty") == (
        "tot_ccld_qty: '1e2000000' has more than 19 digits before the point"
    )


def test_an_exponent_past_any_decimal_context_is_refused_as_well():
    assert refusal(bounded.decimal, "1e999999999999999999") == (
        "'1e999999999999999999' has more than 20 digits before the point"
    )
    assert refusal(bounded.decimal, "1e-999999999999999999") == (
        "'1e-999999999999999999' has too many decimal places"
    )


@pytest.mark.parametrize("value", ["NaN", "nan", "Infinity", "-Infinity", "inf", "sNaN"])
def test_nan_and_infinity_are_not_numbers(value):
    assert refusal(bounded.decimal, value) == f"{value!r} is not a number"


def test_nan_and_infinity_already_read_are_refused_too():
    assert refusal(bounded.decimal, Decimal("NaN")) == "'NaN' is not a finite number"
    assert refusal(bounded.decimal, float("inf")) == "'inf' is not a finite number"


def test_a_price_of_1e30_is_past_the_digits_of_its_column():
    assert refusal(bounded.decimal, "1e30", max_digits=14, places=2, field="avg_prvs") == (
        "avg_prvs: '1e30' has more than 12 digits before the point"
    )


def test_a_refused_value_is_named_cut_to_forty_characters():
    assert refusal(bounded.decimal, "1" * 50 + "x") == "'" + "1" * 40 + "'… is not a number"


def test_a_number_longer_than_64_characters_is_refused_before_it_is_read():
    assert refusal(bounded.decimal, "1" * 65) == (
        "'" + "1" * 40 + "'… is longer than a number (64 characters)"
    )


def test_a_huge_python_integer_is_refused_without_its_decimal_digits_being_written():
    assert refusal(bounded.integer, 10**100_000).endswith("has too many digits")


def test_numbers_are_read_with_their_grouping_sign_and_exponent():
    assert bounded.decimal(" 80,000.50 ", grouping=True) == Decimal("80000.50")
    assert bounded.integer("1e3") == 1000
    assert bounded.integer("10.0") == 10
    assert bounded.integer(-5, minimum=-10) == -5
    assert bounded.decimal("0e-99") == 0


def test_a_range_is_checked_after_the_digits():
    assert refusal(bounded.integer, "-1", minimum=0, field="qty") == "qty: '-1' is less than 0"
    assert refusal(bounded.integer, "101", maximum=100) == "'101' is more than 100"


def test_a_whole_number_is_whole():
    assert refusal(bounded.integer, "1.5") == "'1.5' is not a whole number"


def test_decimal_places_beyond_the_column_are_refused_unless_they_are_zeros():
    assert bounded.decimal("1.2300", places=2) == Decimal("1.2300")
    assert refusal(bounded.decimal, "1.234", places=2) == "'1.234' has more than 2 decimal places"


def test_nul_is_refused_in_numbers_dates_and_text():
    assert refusal(bounded.integer, "1\x002") == "'1\\x002' holds a NUL character"
    assert refusal(bounded.text, "ab\x00", max_length=10) == "'ab\\x00' holds a NUL character"
    day = dict(first=dt.date(2000, 1, 1), last=dt.date(2030, 1, 1))
    assert refusal(bounded.date, "2024\x00", **day) == "'2024\\x00' holds a NUL character"


def test_a_100_megabyte_text_is_refused_by_its_length():
    huge = "\x00" + "x" * 100_000_000  # a scan would find the NUL first; the length is read
    assert refusal(bounded.text, huge, max_length=40, field="odno") == (
        "odno: '\\x00" + "x" * 39 + "'… is longer than 40 characters"
    )


def test_text_is_stripped_and_kept_within_its_length():
    assert bounded.text("  12345 ", max_length=5) == "12345"
    assert bounded.text(None, max_length=5) == ""
    assert refusal(bounded.text, "123456", max_length=5) == ("'123456' is longer than 5 characters")


def test_dates_are_read_in_their_formats_and_range():
    day = dict(first=dt.date(1956, 3, 3), last=dt.date(2030, 12, 31), formats=("%Y%m%d",))
    assert bounded.date("20240304", **day) == dt.date(2024, 3, 4)
    assert refusal(bounded.date, "99991231", **day) == (
        "'9999-12-31' is not a date from 1956-03-03 to 2030-12-31"
    )
    assert refusal(bounded.date, dt.date(1, 1, 1), **day) == (
        "'0001-01-01' is not a date from 1956-03-03 to 2030-12-31"
    )
    assert refusal(bounded.date, "2024-03-04", **day) == "'2024-03-04' is not a date (%Y%m%d)"


def test_json_nested_deeper_than_its_bound_is_refused_even_past_the_recursion_limit():
    deep = "[" * 100_000 + "]" * 100_000
    assert refusal(bounded.json, deep, max_bytes=10**6) == (
        "the document is nested deeper than 20 levels"
    )
    assert refusal(bounded.json, "[" * 21 + "]" * 21, max_bytes=100) == (
        "the document is nested deeper than 20 levels"
    )
    twenty = "[" * 20 + "]" * 20
    assert bounded.json(twenty, max_bytes=100) == json.loads(twenty)


def test_json_larger_than_its_bound_is_refused_before_it_is_parsed():
    assert refusal(bounded.json, b"[" * 1001, max_bytes=1000, field="orders.json") == (
        "orders.json: the document is larger than 1,000 bytes"
    )


def test_json_numbers_are_decimals_and_cannot_be_nan_or_huge_integers():
    assert bounded.json('{"q": 10, "p": 1e2000000}', max_bytes=100) == {
        "q": Decimal(10),
        "p": Decimal("1e2000000"),
    }
    assert refusal(bounded.json, "[NaN]", max_bytes=100) == "NaN is not a number JSON allows"
    assert refusal(bounded.json, "[" + "9" * 100_000 + "]", max_bytes=10**6) == (
        "'" + "9" * 40 + "'… is longer than a number (64 digits)"
    )


def test_rows_are_bounded_in_number():
    assert bounded.rows([1, 2], maximum=2) == [1, 2]
    assert refusal(bounded.rows, [1, 2, 3], maximum=2, what="orders") == (
        "3 orders: at most 2 are taken"
    )


def test_only_numbers_are_numbers():
    assert refusal(bounded.decimal, True) == "'True' is not a number"
    assert refusal(bounded.decimal, ["1"]) == "\"['1']\" is not a number"
