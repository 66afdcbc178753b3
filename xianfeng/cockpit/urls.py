from __future__ import annotations

app_name = "cockpit"

urlpatterns: list = []
