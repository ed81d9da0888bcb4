"""Sentences that say why (a pairing's score, a broken rule), kept in plain English with what
they were made of, so that each reader gets them in their own language. Plain Python: the engine
makes them without Django, pairings store them, pages translate them."""

from __future__ import annotations


def gettext_noop(message: str) -> str:
    """Marks a template for the translators (makemessages finds it by this name) without
    translating: the engine knows no Django and no reader."""
    return message


class Text(str):
    """An English sentence that remembers how it was made, so that the web layer can show it
    translated: `gettext(text.template) % text.params`. It compares and prints as the English."""

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, **params: object) -> Text:
        text = super().__new__(cls, template % params)
        text.template, text.params = template, params
        return text
