"""URLs of the base host (public schema): provincial console, public GraphQL API."""

from django.contrib import admin
from django.urls import path
from django.views.decorators.csrf import ensure_csrf_cookie

from backend.views import home
from graphql_schema.core.views import JixiaoGraphQLView
from graphql_schema.public import schema

admin.site.site_header = "绩效 · 预算绩效管理平台"
admin.site.site_title = "绩效"
admin.site.index_title = "省院管理控制台"

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("graphql/", ensure_csrf_cookie(JixiaoGraphQLView.as_view(schema=schema)), name="graphql"),
]
