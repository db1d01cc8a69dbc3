"""Prompts as versioned template files, one per task and channel, and the JSON schema each task answers in.

A prompt is `app/prompts/<task>/<channel>.v<N>.j2`; changing its wording means a new file with the next version,
so every stored generation names the exact prompt it came from (`prompt_version`, e.g. "product_content/email.v1").
The data a prompt shows the model (a product's or campaign's fields, all written by users) goes in as JSON inside
a delimited block the instructions tell the model to treat as data, never as instructions.
"""
import json
from dataclasses import dataclass
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

PROMPTS_DIR = Path(__file__).parent
_env = SandboxedEnvironment(loader=FileSystemLoader(str(PROMPTS_DIR)), undefined=StrictUndefined,
                            autoescape=False, keep_trailing_newline=False)

LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "pt": "Portuguese", "fr": "French", "de": "German",
                  "it": "Italian", "nl": "Dutch"}


def _strings(max_items: int) -> dict:
    return {"type": "array", "items": {"type": "string"}, "maxItems": max_items}


def _object(**properties) -> dict:
    # Strict structured output: every property required, nothing else allowed.
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


@dataclass(frozen=True)
class TaskSpec:
    """One generation task: its prompt version per channel and the JSON schema of its answer per channel."""

    name: str
    versions: dict[str, int]
    schemas: dict[str, dict]

    def prompt_version(self, channel: str) -> str:
        return f"{self.name}/{channel}.v{self.versions[channel]}"

    def schema(self, channel: str) -> dict:
        return self.schemas[channel]

    def variant(self, context: dict) -> str:
        """The prompt a context uses: its channel's own, else the task's one default prompt."""
        channel = context.get("channel")
        return channel if channel in self.versions else "default"


TASKS: dict[str, TaskSpec] = {
    "product_content": TaskSpec(
        name="product_content",
        versions={"social": 1, "email": 1, "whatsapp": 1},
        schemas={
            "social": _object(body={"type": "string"}, hashtags=_strings(10)),
            "email": _object(subject={"type": "string"}, body={"type": "string"}),
            "whatsapp": _object(body={"type": "string"}),
        },
    ),
    "campaign_suggestions": TaskSpec(
        name="campaign_suggestions",
        versions={"default": 1},
        schemas={"default": _object(titles=_strings(5), subjects=_strings(5), hashtags=_strings(10),
                                    summary={"type": "string"}, body={"type": "string"})},
    ),
}


def task_spec(task: str) -> TaskSpec:
    return TASKS[task]


SYSTEM_PROMPT = "system.v1.j2"  # shared by every task; a new wording is a new file


def render_prompt(task: str, variant: str, context: dict, language: str) -> tuple[str, str, str]:
    """(system message, user message, prompt version) for `task`'s `variant` (a channel) in `language`."""
    spec = TASKS[task]
    version = spec.versions[variant]
    variables = {
        "language": language, "language_name": LANGUAGE_NAMES.get(language, language),
        "channel": context.get("channel") or variant, "tone": context.get("tone") or "friendly",
        # The user-written fields as one JSON document: quotes and newlines in them cannot reshape the prompt, and
        # < > are escaped so that no field can close the <data> block (JSON reads \u003c back as "<").
        "data_json": json.dumps({k: v for k, v in context.items() if k != "tone"}, ensure_ascii=False, indent=1,
                                default=str).replace("<", "\\u003c").replace(">", "\\u003e"),
    }
    system = _env.get_template(SYSTEM_PROMPT).render(**variables)
    user = _env.get_template(f"{task}/{variant}.v{version}.j2").render(**variables)
    return system.strip(), user.strip(), spec.prompt_version(variant)
