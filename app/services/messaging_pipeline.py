"""A batch's provider session in a thread of its own, so sending overlaps the database and the rendering.

One worker doing claim → render → send → record one after the other left the SMTP connection idle for a third
of the time (py-spy: database 21 %, rendering 6 %, while the sink waited). Here the batch's thread claims the
next chunk and records the last one while this thread renders and sends the current one: the database waits
release the GIL, so both go on at once. Rendering stays here, beside the sends, on purpose: in the batch's
thread it held the GIL in bursts of several milliseconds while this thread waited for it after each SMTP reply
(CPython hands the GIL over only every switch interval, 5 ms), which cost more than the overlap gained. Here each
message is rendered while the server reads the one before (`send_rows`), so it costs the connection no time.
Chunks are sent in the order they are handed over, over one session (one SMTP connection for the batch), opened
as soon as the batch starts (its connect and EHLO overlap the batch's first statements) and closed (QUIT) while
the batch records its last chunk.

When a chunk meets a failure, `stop` is set: the chunks after it send nothing more, so the batch can record what
was sent, release the rest and retry.
"""
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack

from flask import Flask


class SendPipeline:
    def __init__(self, app: Flask, channel, send_rows):
        self.app, self.channel, self.send_rows = app, channel, send_rows
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="send")
        self.stack = ExitStack()
        self.session = None
        self.error: Exception | None = None
        self.stop = threading.Event()
        self.pool.submit(self._open)

    def _open(self) -> None:
        # Nobody waits for this job: a failure to connect is kept and raised by the first chunk.
        try:
            with self.app.app_context():  # the provider reads its settings from the app's config
                self.session = self.stack.enter_context(self.channel.session())
        except Exception as exc:
            self.error = exc

    def _session(self):
        if self.error is not None:
            raise self.error
        return self.session

    def submit(self, rows: list, result) -> Future:
        """Render and send `rows` after the chunks handed over before, noting outcomes in `result`; the future
        raises what the provider raised (a temporary failure, a refusal of the whole send)."""
        return self.pool.submit(self._send, rows, result)

    def _send(self, rows: list, result):
        if self.stop.is_set():
            return result
        try:
            session = self._session()
            with self.app.app_context():
                self.send_rows(self.channel, session, rows, result, self.stop)
        except BaseException:
            self.stop.set()
            raise
        return result

    def close(self) -> None:
        """Close the session after the last chunk (in this thread: the batch goes on recording meanwhile)."""
        self.pool.submit(self.stack.close)
        self.pool.shutdown(wait=False)

    def join(self) -> None:
        self.pool.shutdown(wait=True)
