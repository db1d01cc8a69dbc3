"""Storage backends: the local disk refuses path-like keys; the S3 signer matches AWS's published example."""
import datetime as dt
import io

import pytest

from app.integrations import IntegrationError
from app.integrations.storage import LocalDiskStorage, S3Storage, sign_v4, storage_from_config


@pytest.mark.parametrize("key", ["../x", "a/../../x", "/etc/passwd", "a//b", "a\\b", "", "."])
def test_local_storage_refuses_keys_that_could_leave_its_directory(tmp_path, key):
    storage = LocalDiskStorage(str(tmp_path / "root"))
    with pytest.raises(IntegrationError):
        storage.save(key, io.BytesIO(b"x"), "text/plain")


def test_local_storage_round_trip_and_delete(tmp_path):
    storage = LocalDiskStorage(str(tmp_path))
    storage.save("acct/file.bin", io.BytesIO(b"hello"), "application/octet-stream")
    with storage.open("acct/file.bin") as stream:
        assert stream.read() == b"hello"
    assert storage.exists("acct/file.bin") and not list(tmp_path.rglob("*.part"))
    storage.delete("acct/file.bin")
    storage.delete("acct/file.bin")  # deleting twice is fine
    assert not storage.exists("acct/file.bin")


def test_configuration_picks_the_backend():
    assert isinstance(storage_from_config({"STORAGE_DIR": "/tmp/x"}), LocalDiskStorage)
    s3 = storage_from_config({"STORAGE_BACKEND": "s3", "STORAGE_S3_BUCKET": "b", "STORAGE_S3_ENDPOINT": "http://s3:9000",
                              "STORAGE_S3_REGION": "eu-west-1", "STORAGE_S3_ACCESS_KEY": "k",
                              "STORAGE_S3_SECRET_KEY": "s"})
    assert isinstance(s3, S3Storage) and s3.bucket == "b"


def test_sigv4_matches_the_aws_get_object_example():
    # "Example: GET Object" from the AWS Signature Version 4 documentation for S3.
    headers = sign_v4("GET", "https://examplebucket.s3.amazonaws.com/test.txt", b"", {"Range": "bytes=0-9"},
                      region="us-east-1", access_key="AKIAIOSFODNN7EXAMPLE",
                      secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                      now=dt.datetime(2013, 5, 24, tzinfo=dt.timezone.utc))
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
