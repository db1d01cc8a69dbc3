"""The media API's OpenAPI operations, fuzzed: whatever comes in, no answer is a 500."""
import hypothesis
import pytest
import schemathesis
from hypothesis import Phase
from schemathesis import GenerationMode

from app.extensions import db
from tests.factories import make_user
from tests.media import samples


@pytest.fixture
def token(app, api):
    user = make_user(username="fuzzer")
    signed_in = api.login(user)
    return signed_in.headers["Authorization"]


def test_media_api_never_answers_500_to_fuzzed_requests(app, client, token, upload):
    upload(samples.image("JPEG"), "seed.jpg")  # something to find, so item paths are not all 404
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [op.ok() for op in schema.get_all_operations() if op.ok().path.startswith("/api/v1/media")]
    assert len(operations) >= 6
    failures, seen = [], []
    for operation, mode in [(op, mode) for op in operations for mode in GenerationMode]:
        @hypothesis.settings(max_examples=15, deadline=None, database=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
                             suppress_health_check=list(hypothesis.HealthCheck))
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            response = case.call(headers={"Authorization": token})
            seen.append((case.method, case.path, response.status_code))
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, case.query, response.status_code))
            db.session.rollback()

        run()
    assert failures == []
    assert {code for *_, code in seen} >= {200, 404, 422}  # the fuzzing reached the real work, not only 401s
