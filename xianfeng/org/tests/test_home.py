"""The home page's section registry: org asks the apps above it without importing them."""

from __future__ import annotations

from django.test import RequestFactory

from xianfeng.org import home


def test_sections_are_merged_in_name_order_and_replaced_by_name(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(home, "_SECTIONS", {})
    home.register_home_section("b", lambda request: {"who": "b", "b": 2})
    home.register_home_section("a", lambda request: {"who": "a", "a": 1})
    request = RequestFactory().get("/")
    assert home.home_sections(request) == {"who": "b", "a": 1, "b": 2}
    home.register_home_section("b", lambda request: {"b": 3})
    assert home.home_sections(request) == {"who": "a", "a": 1, "b": 3}


def test_projects_registers_the_programme_section() -> None:
    from xianfeng.projects.home import programme_section

    assert home._SECTIONS["projects"] is programme_section
