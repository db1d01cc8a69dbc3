"""The offline AI provider: deterministic copy from phrase templates in English, Spanish, Portuguese and French.

Used when no OPENAI_API_KEY is set, so every flow works without a network; what it writes is built only from the
real fields it is given (name, description, price, promo, keywords, audience, products) and is labelled
template-generated wherever it is shown. The same input always gives the same text.
"""
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from app.integrations.ai import Generation, Usage
from app.prompts import task_spec

OFFLINE_LANGUAGES = ("en", "es", "pt", "fr")
TONES = ("friendly", "professional", "playful", "urgent")

PHRASES = {
    "en": {
        "hook": {"friendly": "Meet {name}", "professional": "Introducing {name}", "playful": "Say hello to {name}",
                 "urgent": "Don't miss {name}"},
        "cta": {"friendly": "Get yours today at our store!", "professional": "Order it now from our store.",
                "playful": "Treat yourself, you deserve it!", "urgent": "Order now, while it lasts!"},
        "price": "Yours for just {price}.",
        "promo": "Now {promo} instead of {price}, only for a short time.",
        "keywords": "Perfect for {keywords}.",
        "audience": "Made for {audience}.",
        "subject": "{name}: now {promo} for you", "subject_plain": "{name}, the one you were waiting for",
        "titles": ["{name}", "{name}: the best of the season", "Discover {first} with us"],
        "subjects": ["{name} is here for you", "Don't miss {name} this week", "{first}: now at our store"],
        "summary": "{name} is a {channel} campaign for {audience}.", "products": "It features {products}.",
        "everyone": "all our customers", "fallback_tags": ["#NewIn", "#ShopLocal"], "and": "and",
        "greeting": "Hello,", "exclaim": "{0}!",
    },
    "es": {
        "hook": {"friendly": "Te presentamos {name}", "professional": "Presentamos {name}",
                 "playful": "Dile hola a {name}", "urgent": "No te pierdas {name}"},
        "cta": {"friendly": "¡Consigue el tuyo hoy en nuestra tienda!",
                "professional": "Haz tu pedido ahora en nuestra tienda.",
                "playful": "¡Date un gusto, te lo mereces!", "urgent": "¡Pide ahora, hasta agotar existencias!"},
        "price": "Tuyo por solo {price}.",
        "promo": "Ahora {promo} en vez de {price}, solo por poco tiempo.",
        "keywords": "Ideal para {keywords}.",
        "audience": "Pensado para {audience}.",
        "subject": "{name}: ahora {promo} para ti", "subject_plain": "{name}, el que estabas esperando",
        "titles": ["{name}", "{name}: lo mejor de la temporada", "Descubre {first} con nosotros"],
        "subjects": ["{name} ya está aquí para ti", "No te pierdas {name} esta semana",
                     "{first}: ahora en nuestra tienda"],
        "summary": "{name} es una campaña de {channel} para {audience}.", "products": "Incluye {products}.",
        "everyone": "todos nuestros clientes", "fallback_tags": ["#Novedad", "#Oferta"], "and": "y",
        "greeting": "Hola,", "exclaim": "¡{0}!",
    },
    "pt": {
        "hook": {"friendly": "Conheça {name}", "professional": "Apresentamos {name}", "playful": "Diga olá a {name}",
                 "urgent": "Não perca {name}"},
        "cta": {"friendly": "Garanta o seu hoje na nossa loja!", "professional": "Faça já o seu pedido na nossa loja.",
                "playful": "Você merece esse mimo!", "urgent": "Peça agora, enquanto durar o estoque!"},
        "price": "Seu por apenas {price}.",
        "promo": "Agora {promo} em vez de {price}, só por pouco tempo.",
        "keywords": "Perfeito para {keywords}.",
        "audience": "Pensado para {audience}.",
        "subject": "{name}: agora {promo} para você", "subject_plain": "{name}, o que você esperava",
        "titles": ["{name}", "{name}: o melhor da estação", "Descubra {first} com a gente"],
        "subjects": ["{name} chegou para você", "Não perca {name} nesta semana", "{first}: agora na nossa loja"],
        "summary": "{name} é uma campanha de {channel} para {audience}.", "products": "Inclui {products}.",
        "everyone": "todos os nossos clientes", "fallback_tags": ["#Novidade", "#Oferta"], "and": "e",
        "greeting": "Olá,", "exclaim": "{0}!",
    },
    "fr": {
        "hook": {"friendly": "Découvrez {name}", "professional": "Nous vous présentons {name}",
                 "playful": "Dites bonjour à {name}", "urgent": "Ne manquez pas {name}"},
        "cta": {"friendly": "Procurez-vous le vôtre dès aujourd'hui dans notre boutique !",
                "professional": "Commandez-le maintenant dans notre boutique.",
                "playful": "Faites-vous plaisir, vous le méritez !",
                "urgent": "Commandez vite, jusqu'à épuisement du stock !"},
        "price": "Le vôtre pour seulement {price}.",
        "promo": "Maintenant {promo} au lieu de {price}, pour peu de temps.",
        "keywords": "Parfait pour {keywords}.",
        "audience": "Pensé pour {audience}.",
        "subject": "{name} : maintenant {promo} pour vous", "subject_plain": "{name}, celui que vous attendiez",
        "titles": ["{name}", "{name} : le meilleur de la saison", "Découvrez {first} avec nous"],
        "subjects": ["{name} est là pour vous", "Ne manquez pas {name} cette semaine",
                     "{first} : maintenant dans notre boutique"],
        "summary": "{name} est une campagne {channel} pour {audience}.", "products": "Elle présente {products}.",
        "everyone": "tous nos clients", "fallback_tags": ["#Nouveauté", "#Promo"], "and": "et",
        "greeting": "Bonjour,", "exclaim": "{0} !",
    },
}
CHANNEL_WORDS = {
    "en": {"email": "email", "whatsapp": "WhatsApp", "social_media": "social media", "search": "search",
           "display": "display", "amazon_ads": "Amazon Ads"},
    "es": {"email": "correo", "whatsapp": "WhatsApp", "social_media": "redes sociales", "search": "búsqueda",
           "display": "display", "amazon_ads": "Amazon Ads"},
    "pt": {"email": "e-mail", "whatsapp": "WhatsApp", "social_media": "redes sociais", "search": "busca",
           "display": "display", "amazon_ads": "Amazon Ads"},
    "fr": {"email": "e-mail", "whatsapp": "WhatsApp", "social_media": "réseaux sociaux", "search": "recherche",
           "display": "display", "amazon_ads": "Amazon Ads"},
}
_NON_WORD = re.compile(r"[^\w]+")


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis when cut."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:")
    return cut + "…"


def to_hashtag(words: str) -> str | None:
    """'summer sale' -> '#SummerSale'; None when nothing of a word is left."""
    parts = [p for p in _NON_WORD.split(words or "") if p]
    tag = "".join(p[:1].upper() + p[1:] for p in parts).replace("_", "")[:40]
    return f"#{tag}" if tag and any(c.isalpha() for c in tag) else None


def money(value, currency: str | None, language: str) -> str:
    try:
        amount = f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    if language != "en":  # 1,234.50 -> 1.234,50
        amount = amount.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return f"{amount} {currency or ''}".strip()


def join_words(items: list[str], language: str) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {PHRASES[language]['and']} " + items[-1]


@dataclass
class TemplateProvider:
    """Offline, deterministic copy; a language without phrases of its own is written with the English ones."""

    name: str = field(default="template", init=False)
    model: str = field(default="templates-v1", init=False)
    template_generated: bool = field(default=True, init=False)

    def generate(self, task: str, context: dict, language: str) -> Generation:
        spec = task_spec(task)
        variant = spec.variant(context)
        phrases = PHRASES.get(language, PHRASES["en"])
        lang = language if language in PHRASES else "en"
        writer = {"product_content": self._product, "campaign_suggestions": self._campaign}[task]
        fields = writer(context, phrases, lang, variant)
        return Generation(fields=fields, usage=Usage(), provider=self.name, model=self.model,
                          prompt_version=f"offline/{spec.prompt_version(variant)}")

    # --- products -------------------------------------------------------------------------------------------
    def _offer(self, context: dict, phrases: dict, lang: str) -> str:
        price = money(context.get("price"), context.get("currency"), lang) if context.get("price") is not None else ""
        if context.get("promo_price") is not None and price:
            promo = money(context["promo_price"], context.get("currency"), lang)
            return phrases["promo"].format(promo=promo, price=price)
        return phrases["price"].format(price=price) if price else ""

    def _extras(self, context: dict, phrases: dict, lang: str) -> list[str]:
        extras = []
        if context.get("keywords"):
            extras.append(phrases["keywords"].format(keywords=join_words(list(context["keywords"])[:3], lang)))
        if context.get("audience"):
            extras.append(phrases["audience"].format(audience=shorten(context["audience"], 80)))
        return extras

    def _hashtags(self, context: dict, phrases: dict) -> list[str]:
        tags = []
        for source in [*(context.get("keywords") or []), context.get("name") or ""]:
            tag = to_hashtag(source)
            if tag and tag.lower() not in {t.lower() for t in tags}:
                tags.append(tag)
        for tag in phrases["fallback_tags"]:
            if len(tags) < 3 and tag.lower() not in {t.lower() for t in tags}:
                tags.append(tag)
        return tags[:6]

    def _product(self, context: dict, phrases: dict, lang: str, channel: str) -> dict:
        tone = context.get("tone") if context.get("tone") in TONES else "friendly"
        name = shorten(context.get("name") or "", 80)
        hook = phrases["hook"][tone].format(name=name)
        cta, offer = phrases["cta"][tone], self._offer(context, phrases, lang)
        description = context.get("description") or ""
        if channel == "email":
            promo = context.get("promo_price")
            subject = (phrases["subject"].format(name=name, promo=money(promo, context.get("currency"), lang))
                       if promo is not None else phrases["subject_plain"].format(name=name))
            paragraphs = [f"{phrases['greeting']}", f"{hook}. {shorten(description, 900)}".strip(),
                          " ".join([offer, *self._extras(context, phrases, lang)]).strip(), cta]
            return {"subject": shorten(subject, 120), "body": "\n\n".join(p for p in paragraphs if p)}
        limit = 240 if channel == "social" else 400
        tail = " ".join(p for p in [offer, cta] if p)
        room = max(0, limit - len(hook) - len(tail) - 4)
        opening = phrases["exclaim"].format(hook)
        body = " ".join(p for p in [opening, shorten(description, room) if room > 20 else "", tail] if p)
        if channel == "social":
            return {"body": shorten(body, limit), "hashtags": self._hashtags(context, phrases)}
        return {"body": shorten(body, limit)}

    # --- campaigns ------------------------------------------------------------------------------------------
    def _campaign(self, context: dict, phrases: dict, lang: str, variant: str) -> dict:
        tone = context.get("tone") if context.get("tone") in TONES else "friendly"
        name = shorten(context.get("name") or "", 60)
        products = [shorten(p, 60) for p in (context.get("products") or []) if p]
        first = products[0] if products else name
        channel = CHANNEL_WORDS[lang].get(context.get("channel"), context.get("channel") or "")
        audience = shorten(context.get("audience") or "", 120) or phrases["everyone"]
        summary = [phrases["summary"].format(name=name, channel=channel, audience=audience),
                   shorten(context.get("description") or "", 250)]
        if products:
            summary.append(phrases["products"].format(products=join_words(products[:3], lang)))
        hook = phrases["hook"][tone].format(name=name)
        description = context.get("description") or ""
        if context.get("channel") == "email":
            body = "\n\n".join(p for p in [phrases["greeting"], f"{hook}. {shorten(description, 900)}".strip(),
                                           " ".join(self._extras(context, phrases, lang)), phrases["cta"][tone]] if p)
        else:
            tail = phrases["cta"][tone]
            room = max(0, 400 - len(hook) - len(tail) - 4)
            opening = phrases["exclaim"].format(hook)
            body = shorten(" ".join(p for p in [opening, shorten(description, room) if room > 20 else "", tail] if p),
                           400)
        return {
            "titles": [shorten(t.format(name=name, first=first), 100) for t in phrases["titles"]],
            "subjects": [shorten(s.format(name=name, first=first), 120) for s in phrases["subjects"]],
            "hashtags": self._hashtags(context, phrases),
            "summary": shorten(" ".join(s for s in summary if s), 600),
            "body": body,
        }
