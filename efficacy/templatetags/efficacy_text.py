"""Template filters for wording that must read well in every language."""

from django import template

register = template.Library()


@register.filter
def midsentence(label) -> str:
    """A label as it reads inside a sentence: "Nodal status at baseline" -> "nodal status at
    baseline", while abbreviations keep their capitals ("FIGO 2018 stage" stays so). Words of a
    language without letter case (Chinese) are unchanged, unlike ``|lower``."""
    words = str(label).split(" ")
    return " ".join(word if word.isupper() or len(word) < 2 else word[0].lower() + word[1:] for word in words)
