"""Product content: versions per channel and language, edits and approval, batches as jobs, the CLI."""
from sqlalchemy import select

from app.extensions import db
from app.models import ContentJob, ProductContent
from tests.conftest import wait_for


def _generate(api, product, **body):
    return api.post(f"/products/{product.id}/generate-content", json=body)


def test_generation_writes_one_version_per_channel_and_language_and_keeps_earlier_ones(owner_api, product):
    first = _generate(owner_api, product, channels=["social", "email"], languages=["es"], tone="playful",
                      keywords=["trail running"])
    assert first.status_code == 201, first.json
    contents = first.json["contents"]
    assert [(c["channel"], c["language"], c["version"]) for c in contents] == [("social", "es", 1), ("email", "es", 1)]
    social, email = contents
    assert social["hashtags"] and all(t.startswith("#") for t in social["hashtags"]) and social["subject"] is None
    assert email["subject"] and "Trail Runner 2" in email["body"] and "89,90" in email["body"]
    assert all(c["status"] == "draft" and c["template_generated"] for c in contents)
    again = _generate(owner_api, product, channels=["email"], languages=["es"]).json["contents"]
    assert again[0]["version"] == 2
    listed = owner_api.get(f"/products/{product.id}/content?channel=email").json
    assert [c["version"] for c in listed["contents"]] == [2, 1] and listed["total"] == 2
    assert owner_api.get(f"/products/{product.id}/content?language=fr").json["total"] == 0


def test_edit_and_approve_archives_the_version_approved_before(owner_api, product):
    url = f"/products/{product.id}/content"
    one = _generate(owner_api, product, channels=["whatsapp"], languages=["en"]).json["contents"][0]
    two = _generate(owner_api, product, channels=["whatsapp"], languages=["en"]).json["contents"][0]
    approved = owner_api.put(f"{url}/{one['id']}", json={"body": "Trail Runner 2 is back. Order today!",
                                                         "status": "approved"})
    assert approved.status_code == 200, approved.json
    assert approved.json["edited"] and approved.json["status"] == "approved"
    assert approved.json["body"] == "Trail Runner 2 is back. Order today!"
    owner_api.put(f"{url}/{two['id']}", json={"status": "approved"})
    assert owner_api.get(f"{url}/{one['id']}").json["status"] == "archived"
    assert owner_api.get(f"{url}?status=approved").json["contents"][0]["id"] == two["id"]


def test_edits_are_checked_like_generated_copy(owner_api, product):
    url = f"/products/{product.id}/content"
    social, email = _generate(owner_api, product, channels=["social", "email"], languages=["en"]).json["contents"]
    assert owner_api.put(f"{url}/{social['id']}", json={"hashtags": ["not one"]}).status_code == 422
    assert owner_api.put(f"{url}/{social['id']}", json={"subject": "No"}).status_code == 422
    assert owner_api.put(f"{url}/{social['id']}", json={"body": "x" * 281}).status_code == 422
    assert owner_api.put(f"{url}/{email['id']}", json={"body": "Hi {{ first_name }}"}).status_code == 422
    assert owner_api.put(f"{url}/{email['id']}", json={"status": "published"}).status_code == 422
    assert owner_api.put(f"{url}/{email['id']}", json={}).status_code == 422
    assert owner_api.get(f"{url}/{email['id']}").json["body"] == email["body"]


def test_bad_requests_are_422(owner_api, product, config):
    config(ALLOWED_CAMPAIGN_LANGUAGES=["en", "es"])
    assert _generate(owner_api, product, languages=["de"]).status_code == 422
    assert _generate(owner_api, product, channels=["fax"]).status_code == 422
    assert _generate(owner_api, product, tone="angry").status_code == 422
    assert _generate(owner_api, product, keywords=["x" * 101]).status_code == 422
    assert db.session.scalar(select(ProductContent.id)) is None


def test_the_seed_single_language_field_is_accepted(owner_api, product):
    contents = _generate(owner_api, product, channels=["email"], language_code="pt").json["contents"]
    assert contents[0]["language"] == "pt"


def test_openai_product_content_and_a_failure_that_stores_nothing(owner_api, product, openai_local):
    ok = _generate(owner_api, product, channels=["email", "social"], languages=["en"])
    assert ok.status_code == 201 and {c["provider"] for c in ok.json["contents"]} == {"openai"}
    # The second piece of a batch fails: the first is not stored either (all or nothing).
    openai_local.answer({}, {"status": 500}, {"status": 500}, {"status": 500})
    failed = _generate(owner_api, product, channels=["email", "whatsapp"], languages=["en"])
    assert failed.status_code == 502, failed.json
    assert owner_api.get(f"/products/{product.id}/content").json["total"] == 2


def test_a_large_batch_is_a_job_a_worker_runs_with_progress(owner_api, product, celery_worker):
    response = _generate(owner_api, product, languages=["en", "es", "fr"])
    assert response.status_code == 202, response.json
    job = response.json
    assert job["total"] == 9 and job["status"] == "queued"
    location = response.headers["Location"]
    assert location.endswith(f"/products/{product.id}/content-jobs/{job['id']}")
    done = wait_for(lambda: (j := owner_api.get(location).json)["status"] == "completed" and j, timeout=30)
    assert done["done"] == 9 and done["progress"] == 100.0 and done["finished_at"]
    contents = owner_api.get(f"/products/{product.id}/content?size=50").json["contents"]
    assert len(contents) == 9 and {c["language"] for c in contents} == {"en", "es", "fr"}


def test_a_job_whose_provider_keeps_failing_ends_failed_with_the_reason(app, product, account, openai_local):
    from app.services import ai_content
    from app.tasks.ai import generate_product_content

    job = ai_content.start_content_job(product, actor=None, channels=["email"], languages=["en", "es"],
                                       enqueue=False)
    openai_local.answer({}, {"content": "not json"})
    assert generate_product_content.apply(args=[str(job.id)]).get() == "failed"
    job = db.session.get(ContentJob, job.id)
    db.session.refresh(job)
    assert job.status.value == "failed" and "unusable" in job.error and job.done == 1
    # Run again: the piece written stays, the other is written now.
    db.session.execute(ContentJob.__table__.update().values(status="running"))
    db.session.commit()
    assert generate_product_content.apply(args=[str(job.id)]).get() == "completed"
    assert len(db.session.scalars(select(ProductContent).where(ProductContent.job_id == job.id)).all()) == 2


def test_the_cli_generates_with_a_progress_bar(app, product):
    result = app.test_cli_runner().invoke(args=["ai", "generate", "--product", str(product.id),
                                                "--languages", "en,fr", "--channels", "email,whatsapp"])
    assert result.exit_code == 0, result.output
    assert "Generating" in result.output and "whatsapp  fr  v1  [template]" in result.output
    assert db.session.scalar(select(ContentJob.status)).value == "completed"
    bad = app.test_cli_runner().invoke(args=["ai", "generate", "--product", "nope"])
    assert bad.exit_code != 0 and "No product" in bad.output


def test_the_seed_path_with_an_underscore_reaches_generate_content(owner_api, product):
    response = owner_api.post(f"/api/products/{product.id}/generate_content/", json={"language_code": "es",
                                                                                     "channels": ["whatsapp"]})
    assert response.status_code == 201 and response.json["contents"][0]["language"] == "es"
