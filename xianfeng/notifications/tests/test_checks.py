from __future__ import annotations

from django.test import override_settings

from xianfeng.notifications.checks import site_url_is_set


def test_deploy_check_warns_without_the_site_address() -> None:
    with override_settings(XF_SITE_URL=""):
        assert [w.id for w in site_url_is_set()] == ["xianfeng.W001"]
    with override_settings(XF_SITE_URL="https://xm.example.gov.cn"):
        assert site_url_is_set() == []
