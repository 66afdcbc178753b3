"""The import pages: who may use them, the template download, upload checks, preview → confirm."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from xianfeng.audit.models import ChangeRecord
from xianfeng.projects import importing
from xianfeng.projects.models import ProgrammeEntry, Project
from xianfeng.projects.tests.test_importing import counts, make_refs, row, three_rows, xlsx
from xianfeng.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
IMPORT_URL = reverse("projects:import")
TEMPLATE_URL = reverse("projects:import_template")


@pytest.fixture(autouse=True)
def _staging_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path  # previews stage their files under VAR_DIR/import-staging


@pytest.fixture
def refs(unit_a, unit_b):  # type: ignore[no-untyped-def]
    return make_refs(unit_a, unit_b)


def login(client, user):  # type: ignore[no-untyped-def]
    assert client.login(username=user.username, password=PASSWORD)
    return client


def upload(content: bytes | io.BytesIO, name: str = "清单.xlsx") -> SimpleUploadedFile:
    data = content.getvalue() if isinstance(content, io.BytesIO) else content
    return SimpleUploadedFile(name, data, content_type=importing.XLSX_CONTENT_TYPE)


def post(client, content, action="preview", name="清单.xlsx", year=2024):  # type: ignore[no-untyped-def]
    return client.post(IMPORT_URL, {"file": upload(content, name), "year": year, "action": action})


@pytest.mark.parametrize("who", ["dispatcher", "clerk_a"])
def test_importers_see_the_page(client, request, refs, who) -> None:
    response = login(client, request.getfixturevalue(who)).get(IMPORT_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "批量导入项目清单" in body and f"{TEMPLATE_URL}?year=2024" in body


@pytest.mark.parametrize("who", ["leader_user", "admin_user", "auditor", "reviewer_a"])
def test_other_roles_get_403(client, request, refs, who) -> None:
    client = login(client, request.getfixturevalue(who))
    assert client.get(IMPORT_URL).status_code == 403
    assert client.get(TEMPLATE_URL).status_code == 403
    assert post(client, xlsx([row()]), action="import").status_code == 403
    assert counts() == (0, 0, 0, 0, 0)


def test_anonymous_is_sent_to_login(client) -> None:
    response = client.get(IMPORT_URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_template_download_opens_with_dropdowns(client, dispatcher, refs) -> None:
    response = login(client, dispatcher).get(TEMPLATE_URL + "?year=2025")
    assert response.status_code == 200
    assert response["Content-Type"] == importing.XLSX_CONTENT_TYPE
    assert "xianfeng-import-2025.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["项目清单"]
    assert sheet["A1"].value == "2025年重点项目清单"
    kinds = {v.type for v in sheet.data_validations.dataValidation}
    assert {"list", "decimal", "date", "whole"} <= kinds
    assert sum(1 for v in sheet.data_validations.dataValidation if v.type == "list") == 9


def test_preview_writes_nothing_then_confirm_lands_everything(client, dispatcher, refs, settings) -> None:
    client = login(client, dispatcher)
    response = post(client, xlsx(three_rows()))
    body = response.content.decode()
    assert response.status_code == 200
    assert "校验通过：将新建 3 个项目，更新 0 个，无变化 0 个" in body and "确认导入" in body
    assert counts() == (0, 0, 0, 0, 0)
    token = client.session[importing_session_key()]["token"]
    response = client.post(IMPORT_URL, {"action": "confirm", "token": token})
    body = response.content.decode()
    assert "导入完成：新建 3 个项目，更新 0 个，无变化 0 个" in body
    assert Project.objects.count() == 3 and ProgrammeEntry.objects.count() == 3
    assert ChangeRecord.objects.filter(request_id=token).count() == 6
    # The staged file is gone: confirming twice does nothing more.
    assert not list((settings.VAR_DIR / "import-staging").iterdir())
    response = client.post(IMPORT_URL, {"action": "confirm", "token": token})
    assert response.status_code == 302 and Project.objects.count() == 3


def importing_session_key() -> str:
    from xianfeng.projects import views

    return views.IMPORT_SESSION_KEY


def test_confirm_with_a_wrong_token_writes_nothing(client, dispatcher, refs) -> None:
    client = login(client, dispatcher)
    post(client, xlsx(three_rows()))
    response = client.post(IMPORT_URL, {"action": "confirm", "token": "import-forged"}, follow=True)
    assert "预览已失效" in response.content.decode()
    assert counts() == (0, 0, 0, 0, 0)


def test_direct_import_and_no_change_reimport(client, dispatcher, refs) -> None:
    client = login(client, dispatcher)
    body = post(client, xlsx(three_rows()), action="import").content.decode()
    assert "导入完成：新建 3 个项目" in body
    body = post(client, xlsx(three_rows()), action="import").content.decode()
    assert "无变化：文件中的 3 个项目与系统中的记录一致" in body
    assert Project.objects.count() == 3


def test_errors_are_listed_and_nothing_lands(client, dispatcher, refs) -> None:
    client = login(client, dispatcher)
    rows = [*three_rows(), row(项目代码="2024-370212-64-01-000077", **{"总投资（万元）": "abc"})]
    response = post(client, xlsx(rows), action="import")
    body = response.content.decode()
    assert "发现 1 处错误，未导入任何数据" in body
    assert '<td class="num">6</td><td>P</td><td>总投资（万元）</td><td>“abc”不是数字</td>' in body
    assert counts() == (0, 0, 0, 0, 0)


def test_thousands_of_errors_are_capped_with_a_count(client, dispatcher, refs) -> None:
    rows = [
        row(项目代码="", 项目名称=f"项目{i}", **{"总投资（万元）": "x", "用地面积（亩）": "y"})
        for i in range(150)
    ]
    response = post(login(client, dispatcher), xlsx(rows), action="import")
    body = response.content.decode()
    assert "发现 300 处错误" in body and "共 300 处错误，仅显示前 200 处" in body
    assert body.count("“x”不是数字") + body.count("“y”不是数字") == 200
    assert counts() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"id,name\n1,abc\n", "清单.xlsx", "文件内容不是 .xlsx 格式"),
        (b"id,name\n1,abc\n", "清单.csv", "只支持 Excel 2007 及以上的 .xlsx 文件"),
        (importing.OLE_MAGIC + b"\x00" * 100, "清单.xlsx", "旧版 .xls 或加密的工作簿"),
        (b"PK\x03\x04 broken", "清单.xlsx", "文件已损坏或不是有效的 .xlsx 工作簿"),
    ],
)
def test_files_that_are_not_xlsx_are_refused(client, dispatcher, refs, content, name, expected) -> None:
    response = post(login(client, dispatcher), content, action="import", name=name)
    assert response.status_code == 200 and expected in response.content.decode()
    assert counts() == (0, 0, 0, 0, 0)


def test_a_50_mb_upload_is_refused_before_it_is_read(client, dispatcher, refs) -> None:
    big = b"PK\x03\x04" + b"\x00" * (50 * 1024 * 1024)
    response = post(login(client, dispatcher), big, action="import")
    assert response.status_code == 413
    assert "文件大小为 50.0 MB，超过上限 20.0 MB" in response.content.decode()
    assert counts() == (0, 0, 0, 0, 0)


@override_settings(XF_MAX_UPLOAD_BYTES=4096)
def test_the_form_checks_the_size_of_the_file_itself(client, dispatcher, refs) -> None:
    response = post(login(client, dispatcher), xlsx(three_rows()), action="import")
    assert "超过上限 4 KB" in response.content.decode()
    assert counts() == (0, 0, 0, 0, 0)


def test_unit_reporter_sees_the_other_unit_rows_refused(client, clerk_a, refs) -> None:
    rows = [row(), row(序号=2, 项目代码="2024-370212-64-01-000002", 项目名称="乙的项目", 责任单位="乙单位")]
    body = post(login(client, clerk_a), xlsx(rows), action="import").content.decode()
    assert "只能导入本单位（甲）的项目" in body and '<td class="num">4</td>' in body
    assert counts() == (0, 0, 0, 0, 0)
    template = load_workbook(io.BytesIO(client.get(TEMPLATE_URL).content))
    assert template["选项"]["E2"].value == "甲单位" and template["选项"]["E3"].value is None
