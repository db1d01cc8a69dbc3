"""`flask reports export`: the same exports from the command line."""
import subprocess

from app.extensions import db


def test_campaigns_csv_and_pdf_from_the_cli(app, sample, account, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "c.csv"
    result = runner.invoke(args=["reports", "export", "--account", str(account.id), "--channel", "email",
                                 "--output", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id,name,channel") and text.count("\r\n") == 2
    pdf = tmp_path / "c.pdf"
    result = runner.invoke(args=["reports", "export", "--account", str(account.id), "--format", "pdf",
                                 "--output", str(pdf)])
    assert result.exit_code == 0, result.output
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Campaign report" in words and "Quiet ñandú" in words


def test_the_cli_refuses_what_it_cannot_do(app, account):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["reports", "export", "--account", str(account.id), "--kind", "customers",
                               "--format", "pdf", "-o", "/tmp/x.pdf"]).exit_code != 0
    assert runner.invoke(args=["reports", "export", "--account", "nope"]).exit_code != 0
    bad = runner.invoke(args=["reports", "export", "--account", str(account.id), "--status", "sleeping"])
    assert bad.exit_code == 2 and "--status" in bad.output


def test_a_pdf_from_the_cli_speaks_the_accounts_language_or_the_one_asked_for(app, sample, account, tmp_path):
    runner = app.test_cli_runner()
    account.language = "es"
    db.session.commit()

    def words(*extra):
        pdf = tmp_path / "c.pdf"
        result = runner.invoke(args=["reports", "export", "--account", str(account.id), "--format", "pdf",
                                     "--output", str(pdf), *extra])
        assert result.exit_code == 0, result.output
        return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout

    assert "Informe de campañas" in words() and "Campaign report" in words("--language", "en")
    bad = runner.invoke(args=["reports", "export", "--account", str(account.id), "--format", "pdf",
                              "--output", str(tmp_path / "x.pdf"), "--language", "xx"])
    assert bad.exit_code == 2 and "--language" in bad.output
