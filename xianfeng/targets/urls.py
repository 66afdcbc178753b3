from __future__ import annotations

app_name = "targets"

urlpatterns: list = []
