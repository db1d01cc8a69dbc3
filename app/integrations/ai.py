"""AI copy behind one interface: `generate(task, context, language)` -> fields + usage.

Two implementations, picked by configuration (`provider_from_config`): OpenAI through the official SDK when
OPENAI_API_KEY is set (OPENAI_BASE_URL points it at any OpenAI-compatible server), else the offline template
provider of app/integrations/ai_offline.py, whose copy is labelled template-generated. Prompts and answer schemas
live in app/prompts/. Errors are ours, never the SDK's: RetryableIntegrationError for rate limits, 5xx, timeouts
and lost connections (after the SDK's own retries with backoff), IntegrationError for final refusals, and
UnusableOutput when the provider answered but not with usable JSON of the asked shape.
"""
import functools
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

import openai

from app.integrations import IntegrationError, RetryableIntegrationError
from app.prompts import render_prompt, task_spec

log = logging.getLogger(__name__)
MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Usage:
    """Tokens one call spent and what they cost (USD, from the configured prices)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal = Decimal("0")

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Generation:
    """What a provider wrote: the task's fields (subject, body, hashtags, titles, ...) and what it cost."""

    fields: dict
    usage: Usage
    provider: str  # "openai" | "template"
    model: str
    prompt_version: str

    @property
    def text(self) -> str:
        """Every written field as one text (lists joined), for checks and previews."""
        parts = []
        for value in self.fields.values():
            parts.extend(value if isinstance(value, list) else [value])
        return "\n".join(str(p) for p in parts)


class UnusableOutput(IntegrationError):
    """The provider answered, but not with usable JSON of the asked shape (or refused); its tokens were spent."""

    def __init__(self, message: str, *, usage: Usage | None = None, provider: str = "openai", model: str = ""):
        super().__init__(message, status=502)
        self.usage = usage or Usage()
        self.provider, self.model = provider, model


class AIProvider(Protocol):
    name: str
    model: str
    template_generated: bool

    def generate(self, task: str, context: dict, language: str) -> Generation:
        """Write `task` (app.prompts.TASKS) about `context` in `language`."""


@functools.lru_cache(maxsize=8)
def _client(api_key: str, base_url: str | None, timeout: float, max_retries: int) -> openai.OpenAI:
    # One client (and its connection pool) per configuration, shared by every request and task of the process.
    return openai.OpenAI(api_key=api_key, base_url=base_url or None, timeout=timeout, max_retries=max_retries)


@dataclass
class OpenAIProvider:
    """Chat completions with a strict JSON schema per task, so fields come back as fields, not parsed from prose."""

    api_key: str
    model: str
    base_url: str | None = None
    timeout: float = 30.0
    max_retries: int = 2
    price_input: Decimal = Decimal("0")   # USD per million prompt tokens
    price_output: Decimal = Decimal("0")  # USD per million completion tokens
    name: str = field(default="openai", init=False)
    template_generated: bool = field(default=False, init=False)

    @classmethod
    def from_config(cls, config) -> "OpenAIProvider":
        return cls(api_key=config["OPENAI_API_KEY"], model=config["OPENAI_MODEL"],
                   base_url=config.get("OPENAI_BASE_URL"), timeout=float(config["OPENAI_TIMEOUT"]),
                   max_retries=int(config["OPENAI_MAX_RETRIES"]),
                   price_input=Decimal(str(config["OPENAI_PRICE_INPUT_PER_1M"])),
                   price_output=Decimal(str(config["OPENAI_PRICE_OUTPUT_PER_1M"])))

    def generate(self, task: str, context: dict, language: str) -> Generation:
        spec = task_spec(task)
        variant = spec.variant(context)
        system, user, version = render_prompt(task, variant, context, language)
        schema = spec.schema(variant)
        client = _client(self.api_key, self.base_url, self.timeout, self.max_retries)
        try:
            completion = client.chat.completions.create(
                model=self.model,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                response_format={"type": "json_schema",
                                 "json_schema": {"name": f"{task}_{variant}", "schema": schema, "strict": True}},
            )  # no temperature: reasoning models refuse one, and the default suits copy
        except openai.APIStatusError as exc:
            raise _status_error(exc) from None
        except openai.APIConnectionError as exc:  # refused, reset, timed out (after the SDK's retries)
            raise RetryableIntegrationError(f"Cannot reach the AI provider: {exc}") from None
        except openai.APIError as exc:  # an answer the SDK could not read
            raise UnusableOutput(f"The AI provider's answer could not be read: {exc}", model=self.model) from None
        usage = self._usage(getattr(completion, "usage", None))
        fields = self._fields(completion, schema, usage)
        return Generation(fields=fields, usage=usage, provider=self.name,
                          model=getattr(completion, "model", None) or self.model, prompt_version=version)

    def _usage(self, usage) -> Usage:
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        cost = (prompt * self.price_input + completion * self.price_output) / MILLION
        return Usage(prompt_tokens=prompt, completion_tokens=completion, cost=cost.quantize(Decimal("0.000001")))

    def _fields(self, completion, schema: dict, usage: Usage) -> dict:
        def unusable(reason: str) -> UnusableOutput:
            return UnusableOutput(f"The AI provider's answer is unusable: {reason}", usage=usage, model=self.model)

        choices = getattr(completion, "choices", None) or []
        if not choices:
            raise unusable("no choices")
        message = choices[0].message
        if getattr(message, "refusal", None):
            raise unusable(f"the model refused ({message.refusal[:200]})")
        if choices[0].finish_reason == "length":
            raise unusable("the answer was cut short")
        try:
            data = json.loads(message.content or "")
        except ValueError:
            raise unusable("not JSON") from None
        return conform(data, schema, unusable)


def conform(data, schema: dict, unusable) -> dict:
    """`data` if it has exactly the schema's properties with the right types (strings, lists of strings)."""
    if not isinstance(data, dict):
        raise unusable("not a JSON object")
    properties = schema["properties"]
    missing = [k for k in properties if k not in data]
    if missing:
        raise unusable(f"missing {', '.join(missing)}")
    fields = {}
    for key, spec in properties.items():
        value = data[key]
        if spec["type"] == "string":
            if not isinstance(value, str):
                raise unusable(f"{key} is not text")
        elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise unusable(f"{key} is not a list of texts")
        fields[key] = value
    return fields


def _status_error(exc: openai.APIStatusError) -> IntegrationError:
    status = exc.status_code
    message = f"The AI provider answered {status}: {_error_message(exc)}"
    if status in (408, 409, 429) or status >= 500:
        return RetryableIntegrationError(message, status=status, retry_after=_retry_after(exc.response))
    return IntegrationError(message, status=status)


def _error_message(exc: openai.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body) if isinstance(body.get("error", body), dict) else {}
    return str(error.get("message") or exc.message)[:300]


def _retry_after(response) -> float | None:
    headers = getattr(response, "headers", None) or {}
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return float(headers[header]) / divisor
        except (KeyError, TypeError, ValueError):
            continue
    return None


def provider_from_config(config) -> AIProvider:
    """OpenAI when a key is set, else the offline template provider."""
    if config.get("OPENAI_API_KEY"):
        return OpenAIProvider.from_config(config)
    from app.integrations.ai_offline import TemplateProvider

    return TemplateProvider()
