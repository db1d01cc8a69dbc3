"""Amazon Ads: the interface the sync uses, and the simulator of seed 000 that implements it.

The simulator keeps its state in Redis (campaign statuses, issued ids, a call counter and log, injected
faults), so the web process, every worker and the tests see the same simulated Amazon.
"""
import abc
import hashlib
import json
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from typing import Mapping

import redis

from app.integrations import IntegrationError, RetryableIntegrationError

PROCESSING, ACTIVE = "PROCESSING", "ACTIVE"


@dataclass(frozen=True)
class RemoteCampaign:
    external_id: str
    status: str


@dataclass(frozen=True)
class DailyMetrics:
    day: date
    impressions: int
    clicks: int
    conversions: int
    spend: Decimal


class AmazonAdsClient(abc.ABC):
    """What Campaign Hub needs from Amazon Ads; a real client implements the same three calls."""

    @abc.abstractmethod
    def create_campaign(self, *, name: str, budget: Decimal, keywords: list[str]) -> RemoteCampaign:
        """Create the campaign; its external id and first status (ACTIVE or PROCESSING)."""

    @abc.abstractmethod
    def get_status(self, external_id: str) -> str:
        """The campaign's status now."""

    @abc.abstractmethod
    def daily_metrics(self, external_id: str, *, day: date, budget_left: Decimal) -> DailyMetrics:
        """Figures of `day` so far; spend never exceeds `budget_left`."""


@lru_cache(maxsize=8)
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


class SimulatedAmazonAds(AmazonAdsClient):
    """Seed 000's mock: AMZ-XXXXX ids, ACTIVE or PROCESSING, a share of calls failing with 429 or 500."""

    PREFIX = "amazon_ads:"

    def __init__(self, *, redis_url: str, error_rate: float = 0.2, seed: str | None = None,
                 retry_after: float = 5, latency: float = 0.0):
        self.redis = _redis(redis_url)
        self.error_rate = error_rate
        self.seed = seed
        self.retry_after = retry_after
        self.latency = latency

    # Test and demo hooks ---------------------------------------------------------------------------

    def inject_faults(self, *codes: str) -> None:
        """Make the next calls answer these codes in order ("429", "500", "ok"), before the random rate."""
        if codes:
            self.redis.rpush(self.PREFIX + "faults", *codes)

    def calls(self) -> list[dict]:
        return [json.loads(c) for c in self.redis.lrange(self.PREFIX + "log", 0, -1)]

    # The API -------------------------------------------------------------------------------------------

    def create_campaign(self, *, name: str, budget: Decimal, keywords: list[str]) -> RemoteCampaign:
        rng = self._call("create_campaign", name=name)
        while True:
            external_id = f"AMZ-{rng.randint(0, 99999):05d}"
            # Ids are unique across the simulated Amazon, as a real one's would be.
            if self.redis.sadd(self.PREFIX + "ids", external_id):
                break
        status = rng.choice((ACTIVE, PROCESSING))
        self.redis.hset(self.PREFIX + "status", external_id, status)
        return RemoteCampaign(external_id, status)

    def get_status(self, external_id: str) -> str:
        self._call("get_status", external_id=external_id)
        key = self.PREFIX + "status"
        status = self.redis.hget(key, external_id)
        # A lookup moves a PROCESSING campaign on, as Amazon finishes its review; an id the simulator
        # forgot (Redis flushed) is taken as live rather than failing every refresh.
        if status in (None, PROCESSING):
            self.redis.hset(key, external_id, ACTIVE)
            return ACTIVE
        return status

    def daily_metrics(self, external_id: str, *, day: date, budget_left: Decimal) -> DailyMetrics:
        self._call("daily_metrics", external_id=external_id, day=day.isoformat())
        rng = self._rng(external_id, day.isoformat())
        full_impressions = rng.randint(500, 5000)
        ctr, conversion, cpc = rng.uniform(0.01, 0.05), rng.uniform(0.05, 0.2), rng.uniform(0.2, 1.5)
        now = datetime.now(timezone.utc)
        # Today's figures grow through the day; past days are complete.
        share = 1.0 if day < now.date() else (now.hour * 3600 + now.minute * 60 + now.second + 1) / 86400
        impressions = int(full_impressions * share)
        clicks = int(impressions * ctr)
        conversions = int(clicks * conversion)
        spend = min(Decimal(str(clicks * cpc)).quantize(Decimal("0.01"), ROUND_DOWN), max(budget_left, Decimal(0)))
        return DailyMetrics(day, impressions, clicks, conversions, spend)

    # Internals -------------------------------------------------------------------------------------------

    def _rng(self, *parts: str) -> random.Random:
        digest = hashlib.sha256(":".join((self.seed or "amazon",) + parts).encode()).hexdigest()
        return random.Random(int(digest[:16], 16))

    def _call(self, operation: str, **details) -> random.Random:
        """Count and log the call, wait the simulated latency, then fail it or hand out its random source."""
        number = self.redis.incr(self.PREFIX + "calls")
        rng = self._rng("call", str(number)) if self.seed else random.Random()
        if self.latency:
            time.sleep(self.latency)
        fault = self.redis.lpop(self.PREFIX + "faults")
        if fault is None and rng.random() < self.error_rate:
            fault = rng.choice(("429", "500"))
        entry = {"op": operation, "at": time.time(), "result": fault or "ok", **details}
        self.redis.rpush(self.PREFIX + "log", json.dumps(entry))
        self.redis.ltrim(self.PREFIX + "log", -1000, -1)
        if fault == "429":
            raise RetryableIntegrationError("Amazon Ads: 429 Too Many Requests", status=429,
                                            retry_after=self.retry_after)
        if fault == "500":
            raise RetryableIntegrationError("Amazon Ads: 500 AWS Internal Error", status=500)
        if fault == "400":
            raise IntegrationError("Amazon Ads: 400 Invalid campaign", status=400)
        return rng


def amazon_ads_client(config: Mapping) -> AmazonAdsClient:
    """The client the configuration names (AMAZON_ADS_CLIENT); only the simulator ships today."""
    kind = config.get("AMAZON_ADS_CLIENT", "simulator")
    if kind != "simulator":
        raise IntegrationError(f"Unknown AMAZON_ADS_CLIENT '{kind}'")
    return SimulatedAmazonAds(redis_url=config["REDIS_URL"], error_rate=float(config.get("AMAZON_ADS_ERROR_RATE", 0.2)),
                              seed=config.get("AMAZON_ADS_SEED"),
                              retry_after=float(config.get("AMAZON_ADS_RETRY_AFTER", 5)),
                              latency=float(config.get("AMAZON_ADS_LATENCY", 0.0)))
