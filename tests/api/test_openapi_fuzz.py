"""schemathesis fuzzes every documented operation: no 5xx, and every answer matches its documented schema."""
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from app.extensions import db
from app.models import User
from tests.conftest import build_app
from tests.factories import PASSWORD, make_user

# A module-level app, because schemathesis needs the schema at collection time (one test per operation);
# it may ask for a token while collecting, so its database is migrated already.
fuzzed_app = build_app()
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzzed_app)


@schema.auth(refresh_interval=None)
class BearerToken:
    """Log in as an agency user (made on first use: tables are emptied between tests), so schemathesis knows the
    auth and can also check that requests without it are refused."""

    def get(self, case, context):
        with fuzzed_app.app_context():
            if db.session.scalar(select(User).where(User.username == "fuzzer")) is None:
                make_user(username="fuzzer", role="agency")
        answer = fuzzed_app.test_client().post("/api/v1/auth/login", json={"username": "fuzzer", "password": PASSWORD})
        return answer.json["access_token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_match_the_documentation(case, app):
    case.call_and_validate()
