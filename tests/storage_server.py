"""A real S3-compatible server for the tests (moto in server mode, over HTTP on a free port) and a fixture that
points the app's storage at a fresh bucket on it."""
import uuid

import boto3
import pytest

from tests.conftest import free_port


@pytest.fixture(scope="session")
def s3_server():
    """The URL of an S3-compatible server started for this test session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_settings(endpoint: str, bucket: str) -> dict:
    return {"STORAGE_BACKEND": "s3", "STORAGE_S3_BUCKET": bucket, "STORAGE_S3_ENDPOINT": endpoint,
            "STORAGE_S3_REGION": "us-east-1", "STORAGE_S3_ACCESS_KEY": "test-key", "STORAGE_S3_SECRET_KEY": "test-secret"}


def bucket_client(settings: dict):
    """A plain boto3 client on the test server, to look into the bucket behind the app's back."""
    return boto3.client("s3", endpoint_url=settings["STORAGE_S3_ENDPOINT"], region_name="us-east-1",
                        aws_access_key_id="test-key", aws_secret_access_key="test-secret")


def bucket_keys(settings: dict) -> list[str]:
    listed = bucket_client(settings).list_objects_v2(Bucket=settings["STORAGE_S3_BUCKET"])
    return sorted(item["Key"] for item in listed.get("Contents", []))


@pytest.fixture
def s3_storage(app, s3_server, monkeypatch):
    """The app stores files in a new, empty bucket on the test S3 server; returns the settings used."""
    settings = s3_settings(s3_server, f"test-{uuid.uuid4().hex[:16]}")
    bucket_client(settings).create_bucket(Bucket=settings["STORAGE_S3_BUCKET"])
    for name, value in settings.items():
        monkeypatch.setitem(app.config, name, value)
    return settings
