"""Finding 14: a URL that is too long answers 414 in the JSON envelope under /api (a page elsewhere), from the app
and through gunicorn as configured by gunicorn.conf.py, instead of gunicorn's own HTML."""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_a_too_long_url_answers_414_in_the_envelope_under_the_api_and_a_page_elsewhere(client, owner_api):
    long_query = "search=" + "a" * 5000
    response = owner_api.get(f"/api/v1/campaigns?{long_query}")
    assert response.status_code == 414 and response.is_json
    assert response.json["type"] == "UriTooLongError" and response.json["status_code"] == 414
    assert "4,096" in response.json["error"]
    unknown = client.get("/api/v1/" + "x" * 5000)  # refused before routing: 414, not 404
    assert unknown.status_code == 414 and unknown.json["status_code"] == 414
    page = client.get(f"/campaigns?{long_query}", headers={"Accept": "text/html"})
    assert page.status_code == 414 and page.mimetype == "text/html" and "414" in page.get_data(as_text=True)
    assert owner_api.get("/api/v1/campaigns?search=" + "a" * 90).status_code == 200  # long enough to search


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers.get_content_type(), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read()


def test_gunicorn_hands_long_urls_to_the_app_which_answers_in_the_envelope(app, tmp_path):
    port = free_port()
    # Metrics files go to a directory of the test's own (an empty value would mean the working directory).
    env = dict(os.environ, ENV="testing", PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    # gunicorn.conf.py is read from the working directory, as `make run` and docker compose start it.
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(f"{base}/api/v1/campaigns")[0] == 401:
                    break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, server.stderr.read().decode()[-2000:]
            time.sleep(0.2)
        # Past 4 KB and below gunicorn's own ceiling: the app answers, in the envelope.
        status, content_type, body = _get(f"{base}/api/v1/campaigns?search=" + "a" * 6000)
        assert status == 414 and content_type == "application/json"
        assert json.loads(body)["type"] == "UriTooLongError"
        status, content_type, _body = _get(f"{base}/campaigns?search=" + "a" * 6000)
        assert status == 414 and content_type == "text/html"
        assert _get(f"{base}/api/v1/campaigns?search=" + "a" * 3000)[0] == 401  # not too long: on to the auth check
    finally:
        server.terminate()
        server.wait(timeout=15)
        server.stderr.close()
