"""Segment counts run with their own planner settings, for their transaction only."""
from sqlalchemy import text

from app.extensions import db
from app.services import segments
from tests.audience.factories import make_customer
from tests.factories import make_user, own_account

RULES = {"match": "all", "conditions": [{"field": "tags", "op": "contains", "value": "vip"},
                                        {"field": "location", "op": "within_km",
                                         "value": {"point": [-3.7038, 40.4168], "km": 20}}]}


def test_a_count_turns_jit_off_and_widens_work_mem_for_its_transaction_only():
    account = own_account(make_user())
    make_customer(account, tags=["vip"], location={"type": "point", "coordinates": [-3.70, 40.42]})
    make_customer(account, tags=["vip"], location={"type": "point", "coordinates": [2.17, 41.38]})  # Barcelona
    make_customer(account, tags=["other"], location={"type": "point", "coordinates": [-3.70, 40.42]})
    db.session.commit()
    before = db.session.execute(text("SHOW work_mem")).scalar()
    db.session.commit()
    assert segments.count_matching(account, RULES) == 1
    assert db.session.execute(text("SHOW jit")).scalar() == "off"
    assert db.session.execute(text("SHOW work_mem")).scalar() == "32MB"
    db.session.commit()
    assert db.session.execute(text("SHOW work_mem")).scalar() == before
