"""Writing one import batch: COPY into a staging table, then a few set-based statements; never a query per row."""
import io
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.extensions import db

STAGE_DDL = """
CREATE TEMP TABLE IF NOT EXISTS customer_import_stage (
    line integer PRIMARY KEY, email text, phone text, first_name text, last_name text, language text, timezone text,
    city text, country text, lon double precision, lat double precision, tags varchar(64)[],
    consent_email boolean, consent_whatsapp boolean, consent_push boolean, orders_count integer,
    last_order_at timestamptz, attributes jsonb, by_email uuid, by_phone uuid, customer_id uuid, new_id uuid DEFAULT gen_random_uuid()
) ON COMMIT DELETE ROWS
"""
_MATCH = """
UPDATE customer_import_stage s SET by_email = m.by_email, by_phone = m.by_phone,
    customer_id = coalesce(m.by_email, m.by_phone)
FROM (SELECT t.line,
             (SELECT c.id FROM customers c WHERE c.account_id = :account AND c.email = t.email) AS by_email,
             (SELECT c.id FROM customers c WHERE c.account_id = :account AND c.phone = t.phone) AS by_phone
      FROM customer_import_stage t) m
WHERE m.line = s.line AND (m.by_email IS NOT NULL OR m.by_phone IS NOT NULL)
"""
_CONFLICTS = """
DELETE FROM customer_import_stage WHERE by_email <> by_phone RETURNING line
"""
_NEW_POINT = "CASE WHEN s.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)::geography END"
_TAGS = "ARRAY(SELECT DISTINCT t FROM unnest({}) AS t ORDER BY t)::varchar(64)[]"
# A withdrawn consent (FALSE) is a suppression: an import never raises it again.
_CONSENT_CHANGES = """
INSERT INTO consent_changes (account_id, customer_id, channel, granted, source, created_at)
SELECT :account, c.id, v.channel, v.new, :source, now()
FROM customer_import_stage s JOIN customers c ON c.id = s.customer_id
CROSS JOIN LATERAL (VALUES ('email', c.email_consent, s.consent_email),
                           ('whatsapp', c.whatsapp_consent, s.consent_whatsapp),
                           ('push', c.push_consent, s.consent_push)) AS v(channel, old, new)
WHERE v.new IS NOT NULL AND v.old IS NOT FALSE AND v.old IS DISTINCT FROM v.new
"""
_MERGED_FIELDS = ("first_name", "last_name", "email", "phone", "language", "timezone", "city", "country",
                  "orders_count", "last_order_at")
_UPDATE = f"""
UPDATE customers c SET
    {", ".join(f"{f} = n.{f}" for f in _MERGED_FIELDS)},
    location = n.location, tags = n.tags, attributes = n.attributes,
    {", ".join(f'''{ch}_consent = n.{ch}_consent,
    {ch}_consent_at = CASE WHEN n.{ch}_consent IS DISTINCT FROM c.{ch}_consent THEN now() ELSE c.{ch}_consent_at END,
    {ch}_consent_source = CASE WHEN n.{ch}_consent IS DISTINCT FROM c.{ch}_consent THEN :source
                          ELSE c.{ch}_consent_source END''' for ch in ("email", "whatsapp", "push"))},
    updated_at = now()
FROM (
    SELECT c.id,
        {", ".join(f"coalesce(s.{f}, c.{f}) AS {f}" for f in _MERGED_FIELDS)},
        coalesce({_NEW_POINT}, c.location) AS location,
        CASE WHEN s.tags IS NULL OR c.tags @> s.tags THEN c.tags ELSE {_TAGS.format("c.tags || s.tags")} END AS tags,
        c.attributes || coalesce(s.attributes, '{{}}') AS attributes,
        {", ".join(f'''CASE WHEN c.{ch}_consent IS FALSE OR s.consent_{ch} IS NULL THEN c.{ch}_consent
             ELSE s.consent_{ch} END AS {ch}_consent''' for ch in ("email", "whatsapp", "push"))}
    FROM customer_import_stage s JOIN customers c ON c.id = s.customer_id
) n
WHERE c.id = n.id AND (
    ({", ".join(f"c.{f}" for f in _MERGED_FIELDS)}, c.tags, c.attributes,
     c.email_consent, c.whatsapp_consent, c.push_consent, ST_AsBinary(c.location))
    IS DISTINCT FROM
    ({", ".join(f"n.{f}" for f in _MERGED_FIELDS)}, n.tags, n.attributes,
     n.email_consent, n.whatsapp_consent, n.push_consent, ST_AsBinary(n.location))
)
"""
_INSERT_ROWS = f"""
    INSERT INTO customers (id, account_id, first_name, last_name, email, phone, language, timezone, location, city,
        country, tags, email_consent, email_consent_at, email_consent_source, whatsapp_consent, whatsapp_consent_at,
        whatsapp_consent_source, push_consent, push_consent_at, push_consent_source, orders_count, last_order_at,
        recent_orders, attributes, created_at, updated_at)
    SELECT s.new_id, :account, coalesce(s.first_name, ''), coalesce(s.last_name, ''), s.email, s.phone,
        coalesce(s.language, :language), s.timezone, {_NEW_POINT}, s.city, s.country,
        coalesce(s.tags, '{{}}'),
        {", ".join(f'''s.consent_{ch}, CASE WHEN s.consent_{ch} IS NOT NULL THEN now() END,
        CASE WHEN s.consent_{ch} IS NOT NULL THEN :source END''' for ch in ("email", "whatsapp", "push"))},
        coalesce(s.orders_count, 0), s.last_order_at, '{{}}', coalesce(s.attributes, '{{}}'), now(), now()
    FROM customer_import_stage s WHERE s.customer_id IS NULL ORDER BY s.line
    ON CONFLICT DO NOTHING
    RETURNING id, email_consent, whatsapp_consent, push_consent
"""
_NEW_CONSENT = """
    INSERT INTO consent_changes (account_id, customer_id, channel, granted, source, created_at)
    SELECT :account, ins.id, v.channel, v.granted, :source, now()
    FROM ins CROSS JOIN LATERAL (VALUES ('email', ins.email_consent), ('whatsapp', ins.whatsapp_consent),
                                        ('push', ins.push_consent)) AS v(channel, granted)
    WHERE v.granted IS NOT NULL
"""
_INSERT = f"""
WITH ins AS ({_INSERT_ROWS}), consent AS ({_NEW_CONSENT})
SELECT count(*) FROM ins
"""
# Insert first, match after: the rows that went in leave the stage in the same statement, and only the rows that
# met an existing email or phone (ON CONFLICT) are matched. Index probes are paid once, by the insert.
_INSERT_FIRST = f"""
WITH ins AS ({_INSERT_ROWS}), consent AS ({_NEW_CONSENT}),
gone AS (DELETE FROM customer_import_stage s USING ins WHERE s.new_id = ins.id)
SELECT count(*) FROM ins
"""
# A batch expected to be all new: a plain INSERT (no ON CONFLICT: no speculative insertion, no RETURNING, nothing to
# take out of the stage) and the consent history from the stage itself. A unique violation undoes it (savepoint).
_INSERT_ALL = _INSERT_ROWS.replace("ON CONFLICT DO NOTHING", "").replace(
    "RETURNING id, email_consent, whatsapp_consent, push_consent", "")
_STAGED_CONSENT = """
    INSERT INTO consent_changes (account_id, customer_id, channel, granted, source, created_at)
    SELECT :account, s.new_id, v.channel, v.granted, :source, now()
    FROM customer_import_stage s CROSS JOIN LATERAL (VALUES ('email', s.consent_email),
        ('whatsapp', s.consent_whatsapp), ('push', s.consent_push)) AS v(channel, granted)
    WHERE v.granted IS NOT NULL
"""
_UNIQUE_VIOLATION = "23505"
# Rows a concurrent writer (the API) created between our match and our insert.
_NOT_INSERTED = """
SELECT s.line FROM customer_import_stage s
WHERE s.customer_id IS NULL AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = s.new_id)
"""


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def write_batch(*, account_id, language: str, mode: str, source: str, copy_text: str,
                insert_first: bool = False, all_new: bool = False) -> BatchResult:
    """Merge one batch into customers inside the caller's transaction; the caller commits or rolls back.

    `insert_first` (for batches expected to be mostly new customers; never in update_only mode) inserts every
    staged row with ON CONFLICT DO NOTHING before matching, and matches only the rows that did not go in.
    `all_new` (for batches expected to hold no known customer) first tries a plain insert of every row, undone
    at the first email or phone already taken, after which the batch goes the insert-first way. The result is
    the same whichever way, only the cost differs.
    """
    session = db.session
    # A batch lost in a crash is redone on resume (its progress row rides in the same transaction).
    session.execute(text("SET LOCAL synchronous_commit = off"))
    session.execute(text(STAGE_DDL))
    cursor = session.connection().connection.driver_connection.cursor()
    cursor.copy_expert("COPY customer_import_stage (line, email, phone, first_name, last_name, language, timezone, "
                       "city, country, lon, lat, tags, consent_email, consent_whatsapp, consent_push, orders_count, "
                       "last_order_at, attributes) FROM STDIN", io.StringIO(copy_text))
    staged = cursor.rowcount
    cursor.close()
    params = {"account": account_id, "source": source, "language": language}
    result = BatchResult()
    if all_new and mode != "update_only":
        try:
            with session.begin_nested():
                result.created = session.execute(text(_INSERT_ALL), params).rowcount
                session.execute(text(_STAGED_CONSENT), params)
            return result
        except IntegrityError as exc:
            if getattr(exc.orig, "pgcode", None) != _UNIQUE_VIOLATION:
                raise
            result.created, insert_first = 0, True  # someone has one of these emails or phones: sort them out
    if insert_first and mode != "update_only":
        result.created = session.execute(text(_INSERT_FIRST), params).scalar()
        staged -= result.created
        if not staged:
            return result
    session.execute(text(_MATCH), params)
    for (line,) in session.execute(text(_CONFLICTS)):
        result.rejected.append((line, "The email and the phone belong to two different customers."))
    if mode == "create":
        result.skipped = session.execute(text("DELETE FROM customer_import_stage WHERE customer_id IS NOT NULL")).rowcount
    elif mode == "update_only":
        result.skipped = session.execute(text("DELETE FROM customer_import_stage WHERE customer_id IS NULL")).rowcount
    matched = session.execute(text("SELECT count(*) FROM customer_import_stage WHERE customer_id IS NOT NULL")).scalar()
    if matched:
        session.execute(text(_CONSENT_CHANGES), params)
        result.updated = session.execute(text(_UPDATE), params).rowcount
        result.unchanged = matched - result.updated
    if mode != "update_only":
        to_insert = staged - len(result.rejected) - matched - result.skipped
        if to_insert:
            created = session.execute(text(_INSERT), params).scalar()
            result.created += created
            if created < to_insert:
                for (line,) in session.execute(text(_NOT_INSERTED)):
                    result.rejected.append((line, "Another customer with this email or phone was created meanwhile."))
    return result
