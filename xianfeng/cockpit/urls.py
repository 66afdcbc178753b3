from __future__ import annotations

from django.urls import path

from xianfeng.cockpit import views

app_name = "cockpit"

urlpatterns = [
    path("", views.cockpit, name="index"),
    path("wall/", views.wall, name="wall"),
]
