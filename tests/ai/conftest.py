"""AI fixtures: an owner's account with a product and an email campaign."""
import pytest

from tests.ai.factories import make_campaign, make_product
from tests.factories import own_account


@pytest.fixture
def account(user):
    return own_account(user)


@pytest.fixture
def product(account):
    return make_product(account)


@pytest.fixture
def campaign(account, user):
    return make_campaign(account, user)
