from __future__ import annotations

from django.urls import path

from xianfeng.attraction import views

app_name = "attraction"
urlpatterns = [
    path("", views.board, name="board"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/export.xlsx", views.lead_export, name="lead_export"),
    path("leads/import/", views.lead_import, name="lead_import"),
    path("leads/import/template.xlsx", views.lead_import_template, name="lead_import_template"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", views.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/stage/", views.lead_stage, name="lead_stage"),
    path("leads/<int:pk>/follow-ups/new/", views.follow_up_create, name="follow_up_create"),
    path("investors/", views.investor_list, name="investor_list"),
    path("investors/new/", views.investor_create, name="investor_create"),
    path("investors/check/", views.duplicate_check, name="duplicate_check"),
    path("investors/<int:pk>/", views.investor_detail, name="investor_detail"),
    path("investors/<int:pk>/edit/", views.investor_edit, name="investor_edit"),
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("foreign-capital/", views.foreign_capital, name="foreign_capital"),
]
