"""One generation, checked and paid for: the monthly token budget, the provider call, the output checks, the
usage row. Product content and campaign suggestions both go through `run_generation`."""
import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.errors import RateLimited, UpstreamError, ValidationError
from app.extensions import db
from app.integrations import IntegrationError
from app.integrations.ai import AIProvider, Generation, UnusableOutput, Usage, provider_from_config
from app.models import Account, AIUsage, User, utcnow
from app.prompts import task_spec
from app.services import unit_of_work
from app.services.ai_checks import check_output, neutralise


def current_provider() -> AIProvider:
    """The configured provider: OpenAI when OPENAI_API_KEY is set, else the offline templates."""
    return provider_from_config(current_app.config)


def allowed_languages() -> list[str]:
    return list(current_app.config["ALLOWED_CAMPAIGN_LANGUAGES"])


def check_language(language: str | None, *, field: str = "language") -> str:
    """`language`, or the default when absent; ValidationError when it is not an allowed campaign language."""
    language = language or current_app.config["DEFAULT_CAMPAIGN_LANGUAGE"]
    if language not in allowed_languages():
        raise ValidationError("Validation error", details={
            field: [f"Must be one of: {', '.join(allowed_languages())}"]})
    return language


def _month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def tokens_this_month(account: Account) -> int:
    """Tokens the account's generations spent since the first of this month (UTC)."""
    start = _month_start(utcnow())
    return db.session.scalar(select(func.coalesce(func.sum(AIUsage.total_tokens), 0)).where(
        AIUsage.account_id == account.id, AIUsage.created_at >= start))


def check_budget(account: Account) -> None:
    """RateLimited (429, Retry-After to the first of next month) once the account's monthly tokens are spent."""
    budget = current_app.config["AI_MONTHLY_TOKEN_BUDGET"]
    if not budget:
        return
    used = tokens_this_month(account)
    if used >= budget:
        now = utcnow()
        resets_at = (_month_start(now) + timedelta(days=32)).replace(day=1)
        wait = max(1, math.ceil((resets_at - now).total_seconds()))
        raise RateLimited("The account's monthly AI token budget is spent", headers={"Retry-After": str(wait)},
                          details={"budget": budget, "used": used,
                                   "resets_at": resets_at.isoformat().replace("+00:00", "Z")})


def record_usage(account: Account, *, actor: User | None, task: str, provider: str, model: str, usage: Usage,
                 succeeded: bool = True) -> AIUsage:
    row = AIUsage(account_id=account.id, actor_id=actor.id if actor else None, task=task, provider=provider,
                  model=model[:100], prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
                  total_tokens=usage.total_tokens, cost=usage.cost, succeeded=succeeded)
    db.session.add(row)
    db.session.flush()
    return row


@unit_of_work
def _record_spent(account: Account, *, actor: User | None, task: str, provider: str, model: str,
                  usage: Usage, succeeded: bool) -> None:
    # Committed at once, in its own transaction: tokens are billed whether or not the copy is stored (an
    # unusable answer, a sibling of a batch that failed), and the budget must count them all.
    record_usage(account, actor=actor, task=task, provider=provider, model=model, usage=usage, succeeded=succeeded)


def run_generation(account: Account, *, actor: User | None, task: str, context: dict, language: str,
                   channel: str | None = None) -> Generation:
    """Generate `task` for `context` in `language`, checked, its usage committed at once.

    Call it while the session has nothing else to commit (before the caller writes). An unusable answer raises
    UpstreamError (502). A temporary provider failure raises RetryableIntegrationError (tasks retry it; requests
    turn it into a 502 with `upstream_error`), a final one IntegrationError. Over budget: RateLimited (429).
    """
    check_budget(account)
    context = neutralise(context)
    provider = current_provider()
    variant = task_spec(task).variant(context)
    try:
        generation = provider.generate(task, context, language)
    except UnusableOutput as exc:
        _record_spent(account, actor=actor, task=task, provider=exc.provider, model=exc.model, usage=exc.usage,
                      succeeded=False)
        raise UpstreamError("The AI provider's answer was unusable; nothing was stored",
                            details={"provider": exc.provider, "reason": str(exc)}) from None
    fields, problems = check_output(generation.fields, variant, language=language, channel=channel,
                                    verify_language=not provider.template_generated)
    _record_spent(account, actor=actor, task=task, provider=generation.provider, model=generation.model,
                  usage=generation.usage, succeeded=not problems)
    if problems:
        raise UpstreamError("The AI provider's answer did not pass the checks; nothing was stored",
                            details={"provider": generation.provider, "output": problems})
    return Generation(fields=fields, usage=generation.usage, provider=generation.provider, model=generation.model,
                      prompt_version=generation.prompt_version)


def upstream(exc: IntegrationError) -> UpstreamError:
    """A provider failure as the 502 a request answers (after the SDK's own retries)."""
    return UpstreamError("The AI provider failed; nothing was stored",
                         details={"upstream_error": str(exc), "upstream_status": exc.status})


def usage_summary(account: Account) -> dict:
    """The provider in use, this month's tokens and cost, the budget and the languages copy may be asked in."""
    start = _month_start(utcnow())
    tokens, cost = db.session.execute(select(
        func.coalesce(func.sum(AIUsage.total_tokens), 0), func.coalesce(func.sum(AIUsage.cost), 0)).where(
        AIUsage.account_id == account.id, AIUsage.created_at >= start)).one()
    provider = current_provider()
    return {"provider": provider.name, "template_generated": provider.template_generated,
            "tokens_this_month": int(tokens), "cost_this_month": float(cost),
            "monthly_token_budget": current_app.config["AI_MONTHLY_TOKEN_BUDGET"],
            "allowed_languages": allowed_languages(),
            "default_language": current_app.config["DEFAULT_CAMPAIGN_LANGUAGE"]}
