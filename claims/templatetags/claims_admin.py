"""Template tags of the claims admin's pages."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from config.admin_dates import date_hierarchy

register = template.Library()


@register.tag(name="indexed_date_hierarchy")
def indexed_date_hierarchy_tag(parser, token):
    """{% indexed_date_hierarchy cl %}: Django's date hierarchy, its periods found through an index."""
    return InclusionAdminNode(
        "date_hierarchy",
        parser,
        token,
        func=date_hierarchy,
        template_name="date_hierarchy.html",
        takes_context=False,
    )
