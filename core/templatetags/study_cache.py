"""``{% studycache "name" arg ... %}...{% endstudycache %}``: a template fragment rendered once per
study data version (``core.study_cache``), active language and arguments, for the long study-wide
tables (the Simon monitor's lists, the Kaplan-Meier tables, the safety tables). The fragment must
depend only on the data and the arguments given: nothing of the user or the request (no CSRF token,
no permission test) may appear inside it.
"""

from django import template
from django.utils.safestring import mark_safe

from core.study_cache import cached

register = template.Library()


class StudyCacheNode(template.Node):
    def __init__(self, name, arguments, nodelist):
        self.name, self.arguments, self.nodelist = name, arguments, nodelist

    def render(self, context) -> str:
        name = self.name.resolve(context)
        arguments = tuple(str(argument.resolve(context)) for argument in self.arguments)
        return mark_safe(cached(f"fragment:{name}", arguments, lambda: self.nodelist.render(context)))  # noqa: S308 - rendered by the template engine, escaped there


@register.tag("studycache")
def do_studycache(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"'{bits[0]}' needs a fragment name.")
    nodelist = parser.parse(("endstudycache",))
    parser.delete_first_token()
    return StudyCacheNode(parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]], nodelist)
