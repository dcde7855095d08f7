from django.apps import AppConfig


class WebConfig(AppConfig):
    """The browser layer: the unit workspace on each unit's host and the console on the base
    host, over the same services, selectors and role table as the GraphQL API."""

    name = "backend.web"
    label = "web"
    verbose_name = "网页"
