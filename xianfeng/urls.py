from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("xianfeng.org.urls")),
    path("audit/", include("xianfeng.audit.urls")),
    path("projects/", include("xianfeng.projects.urls")),
]
