from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from xianfeng.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("xianfeng.org.urls")),
    path("audit/", include("xianfeng.audit.urls")),
    path("notifications/", include("xianfeng.notifications.urls")),
    path("projects/", include("xianfeng.projects.urls")),
    path("coordination/", include("xianfeng.coordination.urls")),
    path("dispatch/", include("xianfeng.dispatch.urls")),
    path("attraction/", include("xianfeng.attraction.urls")),
    path("targets/", include("xianfeng.targets.urls")),
    path("cockpit/", include("xianfeng.cockpit.urls")),
    path("api/", api.urls),
]
