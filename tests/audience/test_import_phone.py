"""The import's fast phone reading gives exactly customer_fields.normalize_phone's answers."""
import random

import phonenumbers
import pytest
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneNumberType

from app.services import customer_fields, import_phone

REGIONS = ["ES", "US", "GB", "MX", "DE", "IT", "AR", "BR", "FR", None]


def _answer(normalize, value, region):
    try:
        return normalize(value, region)
    except customer_fields.FieldError as exc:
        return f"error: {exc}"


def _separated(rng, text):
    out = [text[:2]]
    for ch in text[2:]:
        if rng.random() < 0.2:
            out.append(rng.choice(" -"))
        out.append(ch)
    return "".join(out)


def _sample(rng, size):
    """Valid numbers of every type of every region, the same with digits changed, and random digit strings."""
    examples = []
    for region in phonenumbers.SUPPORTED_REGIONS:
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.TOLL_FREE,
                     PhoneNumberType.PREMIUM_RATE, PhoneNumberType.VOIP, PhoneNumberType.UAN):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                examples.append((number.country_code, phonenumbers.national_significant_number(number)))
    codes = list(COUNTRY_CODE_TO_REGION_CODE)
    values = []
    while len(values) < size:
        roll = rng.random()
        if roll < 0.6:  # an example with some digits changed (often still valid)
            code, nsn = rng.choice(examples)
            digits = list(nsn)
            for _ in range(rng.randint(0, 3)):
                digits[rng.randrange(len(digits))] = rng.choice("0123456789")
            if rng.random() < 0.1:
                digits.insert(0, "0")  # a national prefix written after the country code
            if rng.random() < 0.1:
                digits.pop()
            text = f"+{code}{''.join(digits)}"
        elif roll < 0.9:
            text = f"+{rng.choice(codes)}" + "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 15)))
        else:  # national formats and odd input: the fast path hands these to phonenumbers
            text = rng.choice(["612 345 678", "(212) 555-0100", "0044 20 7946 0958", "+34 612-345-678 ext. 5",
                               "+1-800-FLOWERS", "++34612345678", "+0034612345678", "+", "+3", "tel:+34612345678"])
        values.append((_separated(rng, text) if rng.random() < 0.5 else text, rng.choice(REGIONS)))
    return values


def test_fast_phone_reading_agrees_with_phonenumbers_on_a_large_sample():
    rng = random.Random(20261130)
    sample = _sample(rng, 30_000)
    valid = 0
    for value, region in sample:
        expected = _answer(customer_fields.normalize_phone, value, region)
        assert _answer(import_phone.normalize_phone, value, region) == expected, (value, region)
        valid += not expected.startswith("error")
    assert valid > 7_500  # the sample is not mostly invalid numbers


@pytest.mark.parametrize("value, region, expected", [
    ("+34 612 345 678", "ES", "+34612345678"),
    ("+34-612-345-678", None, "+34612345678"),
    ("+44 020 7946 0958", "ES", "+442079460958"),  # the national prefix after the country code goes
    ("+1 212 555 0100", "US", "+12125550100"),  # +1: the region is picked among the code's regions
    ("+34 112 345 678", "ES", "error: Not a valid phone number for its country."),
    ("+39 06 6982 1234", "IT", "+390669821234"),  # Italian leading zero kept
    ("612 345 678", "ES", "+34612345678"),  # national format: phonenumbers itself
    ("+999 1234", "ES", "error: Not a phone number."),
])
def test_fast_phone_reading_examples(value, region, expected):
    assert _answer(customer_fields.normalize_phone, value, region) == expected
    assert _answer(import_phone.normalize_phone, value, region) == expected
