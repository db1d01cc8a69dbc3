"""The SMTP session itself against a real server: DATA as RFC 5321 wants it, and work done while the server reads."""
import pytest

from app.integrations.email import email_sender

MESSAGE = (b"From: news@shop.test\r\nTo: ana@example.com\r\nSubject: Dots\r\n\r\n"
           b".hidden line\r\n.\r\n..two\r\nlast line without an end")


def test_lines_starting_with_a_period_arrive_whole(app, smtp):
    with app.app_context(), email_sender().session() as session:
        session.send(sender="news@shop.test", to="ana@example.com", data=MESSAGE)
        session.send(sender="news@shop.test", to="eva@example.com", data=MESSAGE + b"\r\n")

    # Each period the server saw doubled is one of ours: the body is what was sent, to the last line.
    assert [m.data for m in smtp.messages] == [MESSAGE + b"\r\n", MESSAGE + b"\r\n"]


def test_meanwhile_runs_once_per_message_and_the_connection_stays_in_step_when_it_fails(app, smtp):
    calls = []

    def fails():
        calls.append("fails")
        raise RuntimeError("rendering the next message failed")

    with app.app_context(), email_sender().session() as session:
        session.send(sender="news@shop.test", to="a@example.com", data=MESSAGE, meanwhile=lambda: calls.append("a"))
        with pytest.raises(RuntimeError):
            session.send(sender="news@shop.test", to="b@example.com", data=MESSAGE, meanwhile=fails)
        # The reply to b's message was read all the same: the next command gets its own reply.
        session.send(sender="news@shop.test", to="c@example.com", data=MESSAGE)

    assert calls == ["a", "fails"]
    assert [m.to for m in smtp.messages] == ["a@example.com", "b@example.com", "c@example.com"]
