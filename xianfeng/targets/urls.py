from __future__ import annotations

from django.urls import path

from xianfeng.targets import views

app_name = "targets"

urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/archive/", views.archive, name="archive"),
    path("<int:pk>/restore/", views.restore, name="restore"),
    path("archived/", views.archived, name="archived"),
    path("<int:pk>/report/", views.report, name="report"),
    path("values/<int:pk>/evidence/", views.evidence, name="evidence"),
    # warnings and forecasts pages follow
    path("warnings/", views.warnings_page, name="warnings"),
    path("warnings/recompute/", views.warnings_recompute, name="warnings_recompute"),
    path("warnings/settings/", views.warning_settings, name="warning_settings"),
    path("warnings/project/<int:pk>/", views.warning_history, name="warning_history"),
    path("forecast/", views.forecast_page, name="forecast"),
]
