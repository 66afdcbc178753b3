"""Attachments: judged by content, capped in size, stored under MEDIA_ROOT, served only to viewers."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from xianfeng.coordination import services
from xianfeng.coordination.choices import ProblemAction
from xianfeng.coordination.models import ProblemAttachment
from xianfeng.coordination.tests.helpers import assigned_problem, raise_problem
from xianfeng.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "用地指标"
    book.save(buffer)
    return buffer.getvalue()


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.XF_ATTACHMENT_MAX_BYTES = 16 * 1024


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("批复.pdf", PDF, "pdf"),
        ("现场.png", PNG, "png"),
        ("现场.JPG", JPEG, "jpg"),
        ("台账.xlsx", None, "xlsx"),
        ("说明.docx", _zip(["[Content_Types].xml", "word/document.xml"]), "docx"),
        ("no-extension", PDF, "pdf"),
    ],
)
def test_allowed_files_are_stored_under_media_root(clerk_a, project_a, settings, name, content, kind) -> None:
    problem = raise_problem(clerk_a, project_a)
    data = content if content is not None else _xlsx()
    attachment = services.problem_attach(
        actor=clerk_a, problem=problem, upload=SimpleUploadedFile(name, data)
    )
    assert (attachment.kind, attachment.name, attachment.size) == (kind, name, len(data))
    path = settings.MEDIA_ROOT / attachment.file.name
    assert path.read_bytes() == data
    assert name not in attachment.file.name  # a random name on disk
    assert problem.events.filter(action=ProblemAction.ATTACH, note=name).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("病毒.pdf", b"MZ\x90\x00" + b"\x00" * 100),  # an executable renamed
        ("文本.docx", "只是文本".encode()),
        ("压缩包.docx", _zip(["[Content_Types].xml", "readme.txt"])),
        ("图.gif", b"GIF89a" + b"\x00" * 20),
        ("<script>.html", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_disallowed_types_are_refused_by_content(clerk_a, project_a, name, content) -> None:
    problem = raise_problem(clerk_a, project_a)
    with pytest.raises(ValidationError) as info:
        services.problem_attach(actor=clerk_a, problem=problem, upload=SimpleUploadedFile(name, content))
    message = info.value.message_dict["file"][0]
    assert name in message and "PDF、JPEG、PNG、DOCX、XLSX" in message
    assert not ProblemAttachment.objects.exists()


def test_an_oversized_file_is_refused_naming_the_limit(clerk_a, project_a, settings) -> None:
    problem = raise_problem(clerk_a, project_a)
    upload = SimpleUploadedFile("大图.pdf", PDF + b"0" * 20000)
    with pytest.raises(ValidationError) as info:
        services.problem_attach(actor=clerk_a, problem=problem, upload=upload)
    assert "超过上限 16 KB" in info.value.message_dict["file"][0]
    # The global upload cap wins when it is smaller.
    settings.XF_ATTACHMENT_MAX_BYTES = 10**9
    settings.XF_MAX_UPLOAD_BYTES = 2048
    assert services.attachment_max_bytes() == 2048
    assert not ProblemAttachment.objects.exists()


def test_only_involved_units_attach_and_not_after_closing(
    clerk_a, clerk_b, leader_user, dispatcher, project_a, bureau, bureau_clerk
) -> None:
    problem = assigned_problem(clerk_a, dispatcher, project_a, [bureau])
    for actor in (clerk_b, leader_user):
        with pytest.raises(PermissionDenied):
            services.problem_attach(actor=actor, problem=problem, upload=SimpleUploadedFile("a.pdf", PDF))
    services.problem_attach(actor=bureau_clerk, problem=problem, upload=SimpleUploadedFile("a.pdf", PDF))
    services.problem_transition(actor=bureau_clerk, problem=problem, action=ProblemAction.ACCEPT)
    services.problem_transition(
        actor=bureau_clerk, problem=problem, action=ProblemAction.RESOLVE, resolution="办"
    )
    services.problem_transition(actor=clerk_a, problem=problem, action=ProblemAction.CLOSE)
    with pytest.raises(ValidationError, match="已销号"):
        services.problem_attach(actor=clerk_a, problem=problem, upload=SimpleUploadedFile("b.pdf", PDF))
    assert ProblemAttachment.objects.count() == 1


def test_files_are_served_only_to_those_who_see_the_problem(
    client, clerk_a, clerk_b, leader_user, auditor, project_a
):
    problem = raise_problem(clerk_a, project_a)
    attachment = services.problem_attach(
        actor=clerk_a, problem=problem, upload=SimpleUploadedFile("批复.pdf", PDF)
    )
    url = f"/coordination/attachments/{attachment.pk}/"
    expected = {clerk_a: 200, leader_user: 200, clerk_b: 404, auditor: 403}
    for user, status in expected.items():
        client.login(username=user.username, password=PASSWORD)
        response = client.get(url)
        assert response.status_code == status, user.username
        if status == 200:
            assert b"".join(response.streaming_content) == PDF
            assert response["Content-Type"] == "application/pdf"
            assert "attachment" in response["Content-Disposition"]
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_upload_through_the_page_shows_the_reason(client, clerk_a, project_a) -> None:
    problem = raise_problem(clerk_a, project_a)
    client.login(username="bob", password=PASSWORD)
    response = client.post(
        f"/coordination/problems/{problem.pk}/attachments/",
        {"file": SimpleUploadedFile("x.pdf", b"not a pdf at all")},
        follow=True,
    )
    assert "不是允许的类型" in response.content.decode()
    assert "file：" not in response.content.decode()  # the reason, not the form field's code
    assert not ProblemAttachment.objects.exists()
    client.post(
        f"/coordination/problems/{problem.pk}/attachments/", {"file": SimpleUploadedFile("x.pdf", PDF)}
    )
    assert ProblemAttachment.objects.count() == 1
