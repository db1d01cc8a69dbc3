"""Storage backends for real: the local disk, and the S3 backend against an S3-compatible server (moto) started
for the tests; both behind the same interface, so nothing else knows which one it talks to."""
import io
import os
import urllib.request

import pytest

from app.integrations import IntegrationError, RetryableIntegrationError
from app.integrations.storage import LocalDiskStorage, S3Storage, local_copy, storage_from_config
from tests.conftest import free_port
from tests.storage_server import bucket_client


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
    assert storage.download_url("acct/file.bin", filename="f.bin", content_type="text/plain", expires=60) is None
    with local_copy(storage, "acct/file.bin") as path:
        assert open(path, "rb").read() == b"hello"
    storage.delete("acct/file.bin")
    storage.delete("acct/file.bin")  # deleting twice is fine
    assert not storage.exists("acct/file.bin")


def test_configuration_picks_the_backend():
    assert isinstance(storage_from_config({"STORAGE_DIR": "/tmp/x"}), LocalDiskStorage)
    settings = {"STORAGE_BACKEND": "s3", "STORAGE_S3_BUCKET": "b", "STORAGE_S3_ENDPOINT": "http://s3:9000",
                "STORAGE_S3_REGION": "eu-west-1", "STORAGE_S3_ACCESS_KEY": "k", "STORAGE_S3_SECRET_KEY": "s"}
    s3 = storage_from_config(settings)
    assert isinstance(s3, S3Storage) and s3.bucket == "b"
    assert storage_from_config(dict(settings)) is s3  # one client per process and settings


def test_s3_round_trip_of_a_multipart_upload_streams_and_presigned_download(s3_storage):
    storage = storage_from_config(s3_storage)
    big = os.urandom(9 * 1024 * 1024 + 17)  # over the 8 MB threshold: sent in parts
    storage.save("acct/big.bin", io.BytesIO(big), "application/octet-stream")
    head = bucket_client(s3_storage).head_object(Bucket=s3_storage["STORAGE_S3_BUCKET"], Key="acct/big.bin")
    assert head["ContentLength"] == len(big) and "-" in head["ETag"]  # a multipart object's ETag names its parts
    assert head["ContentType"] == "application/octet-stream"
    with storage.open("acct/big.bin") as stream:
        assert stream.read(10) == big[:10]  # read as it arrives
    with local_copy(storage, "acct/big.bin") as path:
        assert open(path, "rb").read() == big
    assert not os.path.exists(path)  # the temporary copy is gone afterwards
    url = storage.download_url("acct/big.bin", filename="Größe.bin", content_type="image/png", expires=60)
    assert url.startswith(s3_storage["STORAGE_S3_ENDPOINT"]) and "Signature=" in url
    with urllib.request.urlopen(url) as answer:  # the browser's request: no credentials but the URL's
        assert answer.read() == big and answer.headers["Content-Type"] == "image/png"
        assert answer.headers["Content-Disposition"] == \
            "inline; filename=\"Groe.bin\"; filename*=UTF-8''Gr%C3%B6%C3%9Fe.bin"
    assert storage.exists("acct/big.bin")
    storage.delete("acct/big.bin")
    storage.delete("acct/big.bin")
    assert not storage.exists("acct/big.bin")


def test_s3_missing_file_is_a_final_error_and_a_dead_server_a_retryable_one(s3_storage):
    storage = storage_from_config(s3_storage)
    with pytest.raises(IntegrationError) as missing:
        storage.open("acct/none.bin")
    assert not isinstance(missing.value, RetryableIntegrationError) and missing.value.status == 404
    with pytest.raises(IntegrationError):
        storage.save("../escape", io.BytesIO(b"x"), "text/plain")
    dead = S3Storage(bucket="b", endpoint=f"http://127.0.0.1:{free_port()}", region="us-east-1", access_key="k",
                     secret_key="s", max_attempts=2, timeout=2)
    with pytest.raises(RetryableIntegrationError):
        dead.save("acct/x.bin", io.BytesIO(b"x"), "text/plain")
    with pytest.raises(RetryableIntegrationError):
        dead.exists("acct/x.bin")
