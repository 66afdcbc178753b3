"""Settings come from XF_* variables and refuse unsafe production set-ups."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("XF_")}
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import xianfeng.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_development_defaults_to_sqlite_and_debug(tmp_path) -> None:
    result = _load(XF_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "django.db.backends.sqlite3"]


def test_production_refuses_to_start_without_a_secret_key(tmp_path) -> None:
    result = _load(XF_PRODUCTION="1", XF_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "XF_SECRET_KEY must be set" in result.stderr


def test_production_with_key_runs_without_debug(tmp_path) -> None:
    result = _load(XF_PRODUCTION="1", XF_SECRET_KEY="k" * 40, XF_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "False"


def test_postgres_url_selects_postgres(tmp_path) -> None:
    result = _load(XF_DATABASE_URL="postgres://u@127.0.0.1:5432/x", XF_VAR_DIR=str(tmp_path))
    assert result.stdout.split() == ["True", "django.db.backends.postgresql"]


def test_bad_values_are_refused(tmp_path) -> None:
    result = _load(XF_DEBUG="perhaps", XF_VAR_DIR=str(tmp_path))
    assert result.returncode != 0 and "XF_DEBUG" in result.stderr
    result = _load(XF_TODAY="2024-13-01", XF_VAR_DIR=str(tmp_path))
    assert result.returncode != 0 and "XF_TODAY" in result.stderr


def test_chinese_pages_group_digits_by_three_where_asked() -> None:
    from decimal import Decimal

    from django.template import Context, Template
    from django.utils import translation

    template = Template('{{ v|floatformat:"-2g" }} · {{ v|floatformat:"-2" }} · {{ d|date:"DATE_FORMAT" }}')
    context = Context({"v": Decimal("3621389.19"), "d": __import__("datetime").date(2024, 6, 30)})
    with translation.override("zh-hans"):
        assert template.render(context) == "3,621,389.19 · 3621389.19 · 2024年6月30日"
    with translation.override("en"):
        assert template.render(context) == "3,621,389.19 · 3621389.19 · June 30, 2024"


def test_a_malformed_site_url_is_refused(tmp_path) -> None:
    result = _load(XF_SITE_URL="xm.example.gov.cn", XF_VAR_DIR=str(tmp_path))
    assert result.returncode != 0 and "XF_SITE_URL" in result.stderr
    result = _load(XF_SITE_URL="https://xm.example.gov.cn/", XF_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
