"""One import batch merged insert-first or match-first gives the same customers, counts, rejections and history."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ConsentChange, Customer
from app.services import customers
from app.services.import_merge import write_batch
from app.services.import_rows import RowError, RowParser, copy_line
from tests.audience.factories import make_customer
from tests.factories import make_user, own_account

HEADERS = ["email", "phone", "first name", "language", "tags", "email consent"]
MAPPING = {"email": "email", "phone": "phone", "first name": "first_name", "language": "language", "tags": "tags",
           "email consent": "consent_email"}
ROWS = [
    ["new@example.com", "+34 611 000 001", "New", "es", "a", "yes"],  # nobody has it: created
    ["ana@example.com", "", "Anita", "", "b", "yes"],  # Ana by email: updated, consent granted
    ["", "+34 611 000 003", "Carla", "", "", "no"],  # Carla by phone: updated
    ["dora@example.com", "+34 611 000 004", "Dora", "", "", ""],  # email free, phone is Eva's: Eva updated
    ["fran@example.com", "+34 611 000 003", "Fran", "", "", ""],  # Fran by email, phone is Carla's: rejected
    ["gus@example.com", "", "Gus", "en", "", "yes"],  # Gus withdrew email consent: stays withdrawn
]


def _existing(account):
    make_customer(account, email="ana@example.com", first_name="Ana", tags=["old"])
    make_customer(account, email=None, phone="+34611000003", first_name="C")
    make_customer(account, email="eva@example.com", phone="+34611000004", first_name="Eva")
    make_customer(account, email="fran@example.com", first_name="Fran")
    gus = make_customer(account, email="gus@example.com", first_name="G", consent={"email": True})
    customers.set_consent(gus, channel="email", granted=False, source="unsubscribe-link")


def _merge(account, mode, insert_first, all_new=False, rows=ROWS):
    parser = RowParser(HEADERS, MAPPING, "ES", tags=["bench"])
    text = "".join(copy_line(line, parser.parse(cells)) for line, cells in enumerate(rows, 2))
    result = write_batch(account_id=account.id, language="en", mode=mode, source="import:test.csv",
                         copy_text=text, insert_first=insert_first, all_new=all_new)
    db.session.commit()
    people = db.session.execute(select(Customer.email, Customer.phone, Customer.first_name, Customer.language,
                                       Customer.tags, Customer.email_consent)
                                .where(Customer.account_id == account.id).order_by(Customer.first_name)).all()
    history = db.session.execute(select(Customer.first_name, ConsentChange.channel, ConsentChange.granted,
                                        ConsentChange.source).join(Customer, Customer.id == ConsentChange.customer_id)
                                 .where(ConsentChange.account_id == account.id)
                                 .order_by(Customer.first_name, ConsentChange.id)).all()
    counts = (result.created, result.updated, result.unchanged, result.skipped, sorted(result.rejected))
    return counts, [tuple(p) for p in people], [tuple(h) for h in history]


@pytest.mark.parametrize("mode", ["upsert", "create", "update_only"])
def test_insert_first_and_match_first_give_the_same_result(mode):
    first, second = own_account(make_user()), own_account(make_user())
    _existing(first)
    _existing(second)
    third = own_account(make_user())
    _existing(third)
    by_insert, by_match = _merge(first, mode, True), _merge(second, mode, False)
    assert by_insert == by_match
    assert _merge(third, mode, False, all_new=True) == by_match  # the plain insert meets Ana: undone, then matched
    counts = by_insert[0]
    assert counts[4] == [(6, "The email and the phone belong to two different customers.")]
    if mode == "upsert":
        assert counts[:4] == (1, 4, 0, 0)  # new created; ana, carla, eva (by phone), gus updated
        people = {p[2]: p for p in by_insert[1]}
        assert people["Anita"][4] == ["b", "bench", "old"] and people["Anita"][5] is True
        assert people["Gus"][5] is False  # a withdrawn consent is never raised by an import


def test_a_bad_value_repeated_on_many_rows_rejects_each_row_with_its_reason():
    parser = RowParser(["email", "language", "email consent"],
                       {"email": "email", "language": "language", "email consent": "consent_email"}, "ES")
    reasons = []
    for n in range(3):
        with pytest.raises(RowError) as caught:
            parser.parse([f"p{n}@example.com", "klingonish", "maybe"])
        reasons.append(str(caught.value))
    assert len(set(reasons)) == 1 and reasons[0].startswith("language: Unknown language")
    assert "consent_email: Expected yes/no" in reasons[0]
    assert parser.parse(["ok@example.com", "ES", "Sí"])["language"] == "es"


@pytest.mark.parametrize("mode", ["upsert", "create"])
def test_a_batch_of_new_customers_inserted_plainly_equals_the_other_ways(mode):
    rows = [["n1@example.com", "+34 611 000 101", "N1", "es", "a", "yes"],
            ["n2@example.com", "", "N2", "", "", "no"],
            ["", "+34 611 000 103", "N3", "en", "b", ""]]
    results = []
    for insert_first, all_new in ((False, False), (True, False), (False, True)):
        account = own_account(make_user())
        _existing(account)
        results.append(_merge(account, mode, insert_first, all_new=all_new, rows=rows))
    assert results[0] == results[1] == results[2]
    counts, people, history = results[2]
    assert counts == (3, 0, 0, 0, []) and len(people) == 8
    assert [h for h in history if h[0].startswith("N")] == [("N1", "email", True, "import:test.csv"),
                                                            ("N2", "email", False, "import:test.csv")]
