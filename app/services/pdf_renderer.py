"""WeasyPrint as the reports use it: HTML in, PDF bytes out, with a user-agent stylesheet that skips what
reports never use.

WeasyPrint's default user-agent stylesheet gives every element six pseudo-elements (`::marker`, `::footnote-call`,
`::footnote-marker`, `::note-call`, `::note-marker`, `::note-callback`), and their styles are computed one by one,
uncached: for a 260-campaign table that is ~16,000 style computations, a quarter of the CPU the report took
(cProfile, issue 14). Reports have no lists, footnotes or notes, so those six rules are dropped from a copy of the
installed stylesheet. If a WeasyPrint release moves the file or the hook, the default stylesheet is used: slower,
never different.
"""
import logging
import re
from functools import cache
from pathlib import Path

UNUSED_PSEUDO_RULES = re.compile(
    r"^::(marker|footnote-call|footnote-marker|note-call|note-marker|note-callback) \{[^}]*\}\n", re.M)


@cache
def _html_class():
    import weasyprint  # heavy: imported only where PDFs are drawn (workers, the CLI)

    try:
        source = Path(weasyprint.__file__).parent.joinpath("css", "html5_ua.css").read_text(encoding="utf-8")
    except OSError:
        return weasyprint.HTML
    stylesheet = weasyprint.CSS(string=UNUSED_PSEUDO_RULES.sub("", source))

    class ReportHTML(weasyprint.HTML):
        def _ua_stylesheets(self, *args, **kwargs):  # WeasyPrint's hook for its default stylesheet
            return [stylesheet]

    return ReportHTML


# WeasyPrint logs each step of each document at INFO ("Step 5 - Creating layout - Page 7"): twenty lines a report.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def write_pdf(html: str) -> bytes:
    """`html` drawn as PDF bytes."""
    return _html_class()(string=html).write_pdf()
