"""Translated text that must be built before a language is chosen (module-level labels)."""

from collections.abc import Mapping

from django.utils.functional import lazy


def _interpolate(message: str, values: Mapping[str, object]) -> str:
    return str(message) % values


_interpolate_lazy = lazy(_interpolate, str)


def interpolate_lazy(message: str, **values: object) -> str:
    """``message % values``, done each time the text is shown, so a ``gettext_lazy`` message reads in
    the language active then (``gettext_lazy("Age %(min)s-%(max)s") % values`` would translate at
    once, at import, in the default language). ``values`` may be lazy too."""
    return _interpolate_lazy(message, values)
