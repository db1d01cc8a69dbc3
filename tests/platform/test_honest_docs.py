"""The README is a promise: every setting it lists is read by the code, every setting the code reads is listed,
and every queue a worker listens on has tasks."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Read by the processes make run and docker compose start (gunicorn's address), not by the app.
PROCESS_SETTINGS = {"HOST", "PORT"}


def _readme_table() -> set[str]:
    text = (ROOT / "README.md").read_text()
    table = text[text.index("| variable | default | meaning |"):]
    table = table[:table.index("\n\n")]
    return {name for row in table.splitlines()[2:] for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def _env_example() -> set[str]:
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))


def _read_by_code() -> set[str]:
    names = set()
    for path in list((ROOT / "app").rglob("*.py")) + list((ROOT / "migrations").rglob("*.py")):
        text = path.read_text()
        names |= set(re.findall(r"""\benv(?:_int|_float|_bool)?\(\s*["']([A-Z][A-Z0-9_]+)["']""", text))
        names |= set(re.findall(r"""os\.environ(?:\.get)?[\(\[]\s*["']([A-Z][A-Z0-9_]+)["']""", text))
        names |= set(re.findall(r"""envvar=["']([A-Z][A-Z0-9_]+)["']""", text))
    return names


def test_every_setting_in_the_readme_is_read_by_the_code_and_listed_in_env_example():
    documented = _readme_table()
    assert documented - PROCESS_SETTINGS - _read_by_code() == set()
    assert documented == _env_example()


def test_every_setting_the_code_reads_is_documented():
    assert _read_by_code() - _readme_table() == set()


def test_the_processes_read_the_settings_the_readme_gives_them():
    procfile = (ROOT / "Procfile").read_text()
    assert "${HOST:-127.0.0.1}" in procfile and "$PORT" in procfile


def test_every_queue_has_tasks_and_the_workers_listen_to_every_queue(app):
    import celeryconfig

    celery = app.extensions["celery"]
    queues = {q.name for q in celeryconfig.task_queues}
    tasks = [name for name in celery.tasks if not name.startswith("celery.")]
    routed = {celery.amqp.router.route({}, name)["queue"].name for name in tasks}
    assert routed == queues
    for text in ((ROOT / "Procfile").read_text(), (ROOT / "docker-compose.yml").read_text()):
        listened = re.search(r"-Q[\s\",]+([a-z,]+)", text).group(1)
        assert set(listened.split(",")) == queues
