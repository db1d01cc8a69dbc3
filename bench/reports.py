"""Reports: the campaigns PDF with charts, and the customers CSV of 1,000,000 rows, each beside a bare ceiling.

Needs DATABASE_URL (a throwaway database: `make bench ARGS=reports`). Migrates, registers a user, makes
`--campaigns` campaigns (260 fill seven A4 pages, 380 fill ten) with `--days` days of results each, and
`--customers` customers (one INSERT ... SELECT), then, in the same run:
- the PDF exactly as the task draws it (figures read, HTML laid out, WeasyPrint) beside WeasyPrint drawing a bare
  HTML table of the same rows (no charts, no styles): the ceiling of the renderer itself; `--rounds` alternating
  rounds after a warm-up of each, medians of wall and CPU seconds;
- the customers CSV exactly as the API streams it (server-side cursor, formula-safe writer, BOM, chunks) beside a
  bare `COPY (SELECT the same columns ...) TO STDOUT WITH CSV` of the same rows into a null sink.
Targets (issue 14): the 10-page PDF under 3 s; the CSV as close to COPY as the safe writer allows.

    python bench/reports.py [--campaigns 380] [--days 30] [--customers 1000000] [--rounds 3] [--language es]
"""
import argparse
import io
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Null(io.RawIOBase):
    def writable(self):
        return True

    def write(self, b):
        return len(b)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--campaigns", type=int, default=380)  # 10 A4 pages in English
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating PDF rounds (product, bare)")
    parser.add_argument("--language", default="en", help="the PDF's language (en, es)")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from app.services import accounts, campaign_stats, campaigns, report_pdf, reports_csv

    app = create_app("testing")
    with app.app_context(), app.test_request_context():
        upgrade(revision="heads")
        name = f"bench{secrets.token_hex(4)}"
        user = accounts.register_user(username=name, email=f"{name}@example.com", password="Str0ng-passw0rd!")
        account = db.session.scalars(accounts.accounts_for(user)).first()

        t0 = time.perf_counter()
        made = [campaigns.create_campaign(account, actor=user, name=f"Campaign {i:04d} — spring collection",
                                          budget=500 + i, channel="email") for i in range(args.campaigns)]
        first = date(2026, 3, 1)
        campaign_stats.upsert_metrics([
            {"campaign_id": c.id, "day": first + timedelta(days=d), "site": "web", "impressions": 1000 + 37 * d + i,
             "clicks": 20 + d % 7, "conversions": d % 3, "spend": 10 + d % 5}
            for i, c in enumerate(made) for d in range(args.days)])
        db.session.commit()
        print(f"made {args.campaigns} campaigns x {args.days} days in {time.perf_counter() - t0:.1f} s", flush=True)

        t0 = time.perf_counter()
        db.session.execute(text(
            "INSERT INTO customers (id, account_id, first_name, last_name, email, language, tags, email_consent, "
            "orders_count) SELECT gen_random_uuid(), :account, 'Name' || g, 'Surname ' || (g % 997), "
            "'c' || g || '@example.com', 'es', ARRAY['vip', 'spring'], g % 2 = 0, g % 5 "
            "FROM generate_series(1, :n) g"), {"account": account.id, "n": args.customers})
        db.session.commit()
        db.session.execute(text("ANALYZE customers"))
        print(f"made {args.customers} customers in {time.perf_counter() - t0:.1f} s", flush=True)
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

        # PDF: the product's path beside the bare renderer on a plain table of the same rows, in alternating
        # rounds after one warm-up of each (fonts and stylesheets load once per worker process); medians of wall
        # and of CPU seconds, as the machine is shared and its load moves within a run.
        from weasyprint import HTML

        def product():
            return report_pdf.render(report_pdf.build(account, {}, language=args.language))

        report = report_pdf.build(account, {})
        rows = "".join(f"<tr><td>{r.name}</td><td>{r.budget}</td><td>{r.spend}</td><td>{r.views}</td>"
                       f"<td>{r.clicks}</td></tr>" for r in report.rows)

        def bare():
            return HTML(string=f"<table>{rows}</table>").write_pdf()

        pdf = product()
        bare()
        timings = {product: [], bare: []}
        for _ in range(args.rounds):
            for draw in (product, bare):
                w0, c0 = time.perf_counter(), time.process_time()
                draw()
                timings[draw].append((time.perf_counter() - w0, time.process_time() - c0))
        product_pdf, product_cpu = (statistics.median(x) for x in zip(*timings[product]))
        bare_pdf, bare_cpu = (statistics.median(x) for x in zip(*timings[bare]))
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(pdf)
            f.flush()
            pages = int(next(line.split()[-1] for line in subprocess.run(
                ["pdfinfo", f.name], capture_output=True, text=True).stdout.splitlines() if line.startswith("Pages")))
        print(f"load average after the PDFs: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

        # CSV: the product's stream, then a bare COPY of the same columns and order.
        t0 = time.perf_counter()
        size = sum(len(block) for block in reports_csv.stream(reports_csv.customers_export(account)))
        product_csv = time.perf_counter() - t0
        columns = ", ".join(reports_csv.CUSTOMER_COLUMNS)
        connection = db.engine.raw_connection()
        try:
            t0 = time.perf_counter()
            connection.cursor().copy_expert(
                f"COPY (SELECT {columns} FROM customers WHERE account_id = '{account.id}' "
                "ORDER BY created_at DESC, id) TO STDOUT WITH (FORMAT csv, HEADER true)", Null())
            bare_csv = time.perf_counter() - t0
        finally:
            connection.close()
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    print(f"pdf_pages: {pages} pages")
    print(f"pdf_seconds: {product_pdf:.2f} s")
    print(f"pdf_bare_table_seconds: {bare_pdf:.2f} s")
    print(f"pdf_share_of_bare: {100 * bare_pdf / product_pdf:.0f} %")
    print(f"pdf_cpu_seconds: {product_cpu:.2f} s")
    print(f"pdf_bare_table_cpu_seconds: {bare_cpu:.2f} s")
    print(f"csv_customers_rows_per_second: {args.customers / product_csv:.0f} rows/s")
    print(f"csv_customers_megabytes: {size / 1e6:.0f} MB")
    print(f"csv_bare_copy_rows_per_second: {args.customers / bare_csv:.0f} rows/s")
    print(f"csv_share_of_bare: {100 * bare_csv / product_csv:.0f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
