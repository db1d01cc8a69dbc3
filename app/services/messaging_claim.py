"""Claiming a batch's messages, and the frequency cap taken in the same statement.

`MAX_MESSAGES_PER_CUSTOMER_PER_DAY` cannot be checked by counting messages: two campaigns claiming for one
customer at the same moment would each count the other's claim as not there yet (both statements' snapshots
predate both commits) and both pass. So each customer has a `customer_send_quotas` row listing the times of their
sends of the last 24 hours, and the claim takes a slot in it with `INSERT … ON CONFLICT DO UPDATE … WHERE fewer
than the cap`: the second claim waits on the first's row lock, then re-reads the row as committed and finds the
slot taken. Rows are taken in customer order, so two claims never wait on each other in a circle. Messages whose
customer has no slot left are skipped with the reason in the same statement.

A message that ends up not sent (failed, released for a retry, reclaimed after a lease) gives its slot back
(`give_back`, by the exact time it took, which is also its `claimed_at`).
"""
from sqlalchemy import Integer, String, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP, UUID

from app.extensions import db


def capped_reason(cap: int) -> str:
    return f"Frequency cap: {cap} messages to this customer in the last 24 hours already."


_CLAIM = text("""
WITH picked AS (
    SELECT id, customer_id FROM messages
     WHERE campaign_id = :campaign AND batch_no = :batch AND status = 'queued'
       AND (due_at IS NULL OR due_at <= now())
     ORDER BY customer_id LIMIT :count FOR UPDATE SKIP LOCKED
), granted AS (
    INSERT INTO customer_send_quotas AS q (customer_id, account_id, recent)
    SELECT customer_id, :account, ARRAY[clock_timestamp()] FROM picked ORDER BY customer_id
    ON CONFLICT (customer_id) DO UPDATE
       SET recent = ARRAY(SELECT t FROM unnest(q.recent) AS t WHERE t > now() - interval '1 day' ORDER BY t)
                    || clock_timestamp()
     WHERE (SELECT count(*) FROM unnest(q.recent) AS t WHERE t > now() - interval '1 day') < :cap
    RETURNING customer_id, recent[cardinality(recent)] AS at
), claimed AS (
    UPDATE messages AS m
       SET status = CASE WHEN g.at IS NULL THEN 'skipped' ELSE 'sending' END::message_status,
           reason = CASE WHEN g.at IS NULL THEN :capped ELSE m.reason END,
           claimed_at = g.at, attempts = m.attempts + (g.at IS NOT NULL)::int, updated_at = now()
      FROM picked AS p LEFT JOIN granted AS g ON g.customer_id = p.customer_id
     WHERE m.id = p.id
    RETURNING m.id, m.status, m.customer_id, m.language, m.to_address, m.attempts
)
SELECT c.id, c.status::text AS status, c.customer_id, c.language, c.to_address, c.attempts, cu.first_name, cu.last_name, cu.email,
       cu.phone, cu.city, cu.country, cu.language AS customer_language, cu.attributes
  FROM claimed AS c JOIN customers AS cu ON cu.id = c.customer_id
""").bindparams(bindparam("campaign", type_=UUID(as_uuid=True)), bindparam("account", type_=UUID(as_uuid=True))
                ).columns(id=UUID(as_uuid=True), status=String, customer_id=UUID(as_uuid=True), attempts=Integer, attributes=JSONB)

_GIVE_BACK = text("""
WITH back AS (
    SELECT * FROM unnest(:customers, :ats) AS b(customer_id, at)
), mine AS MATERIALIZED (
    SELECT q.customer_id FROM customer_send_quotas AS q
     WHERE q.customer_id IN (SELECT customer_id FROM back) ORDER BY q.customer_id FOR UPDATE
)
UPDATE customer_send_quotas AS q
   SET recent = q.recent[1:array_position(q.recent, b.at) - 1] || q.recent[array_position(q.recent, b.at) + 1:]
  FROM back AS b JOIN mine USING (customer_id)
 WHERE q.customer_id = b.customer_id AND array_position(q.recent, b.at) IS NOT NULL
""").bindparams(bindparam("customers", type_=ARRAY(UUID(as_uuid=True))),
                bindparam("ats", type_=ARRAY(TIMESTAMP(timezone=True))))


class Claim(list):
    """The claimed rows to send (what rendering needs), and the picked messages the cap skipped."""

    def __init__(self, rows, skipped: list):
        super().__init__(rows)
        self.skipped = skipped
        self.capped = len(skipped)


def claim(*, campaign_id, account_id, batch_no: int, count: int, cap: int) -> Claim:
    """Up to `count` queued, due messages of the batch: queued → sending for customers with a slot left under the
    cap (one taken), queued → skipped with the reason for the others. One statement."""
    rows = db.session.execute(_CLAIM, {"campaign": campaign_id, "account": account_id, "batch": batch_no,
                                       "count": count, "cap": cap, "capped": capped_reason(cap)}).all()
    return Claim([row for row in rows if row.status == "sending"], [row for row in rows if row.status != "sending"])


def give_back(slots: list) -> None:
    """(customer id, claimed_at) of messages not sent after all: their slots under the cap are free again."""
    if slots:
        db.session.execute(_GIVE_BACK, {"customers": [s[0] for s in slots], "ats": [s[1] for s in slots]})
