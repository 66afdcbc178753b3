"""Hand-reported values: checks, owner unit only, evidence files, audit, optimistic locking; targets'
own checks."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from xianfeng.audit.models import ChangeRecord
from xianfeng.lib.errors import ConflictError
from xianfeng.targets import services
from xianfeng.targets.choices import Source
from xianfeng.targets.models import Target, TargetValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(unit_a, dispatcher) -> Target:
    return services.target_create(
        actor=dispatcher,
        fields={
            "code": "parks",
            "year": 2024,
            "name": "口袋公园10处",
            "owner_unit": unit_a,
            "start_date": dt.date(2024, 1, 1),
            "deadline": dt.date(2024, 12, 31),
            "unit_of_measure": "处",
            "target_value": Decimal(10),
            "min_value": Decimal(0),
            "max_value": Decimal(30),
            "source": Source.MANUAL,
        },
    )


def error_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.message_dict


def test_value_checks(target, clerk_a) -> None:
    def report(**kw):
        return services.target_value_report(
            actor=clerk_a, target=target, **{"year": 2024, "month": 10, "value": 3, **kw}
        )

    assert error_of(lambda: report(value=-1))["value"] == ["累计完成值不能为负数（填写的是 -1）"]
    assert error_of(lambda: report(value=31))["value"] == ["累计完成值 31 大于允许最大值 30"]
    assert "尚未结束" in error_of(lambda: report(month=12))["month"][0]
    assert "不在目标的起算日期" in error_of(lambda: report(year=2023))["month"][0]
    assert TargetValue.objects.count() == 0
    row = report(evidence="验收单")
    assert (row.value, row.version, row.reported_by) == (Decimal(3), 1, clerk_a)
    row = report(value=4, evidence="验收单", expected_version=1)
    assert (row.value, row.version) == (Decimal(4), 2)
    with pytest.raises(ConflictError):
        report(value=5, expected_version=1)
    records = ChangeRecord.objects.filter(object_type="targets.TargetValue", object_id=str(row.pk))
    assert [r.action for r in records.order_by("id")] == ["create", "update"]
    assert records.order_by("id").last().changes["value"] == {"label": "累计完成值", "old": "3", "new": "4"}


def test_other_unit_and_roles(target, clerk_b, leader_user, dispatcher) -> None:
    for user in (clerk_b, leader_user):
        with pytest.raises(PermissionDenied):
            services.target_value_report(actor=user, target=target, year=2024, month=10, value=1)
    assert (
        services.target_value_report(actor=dispatcher, target=target, year=2024, month=10, value=1).value == 1
    )


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_evidence_file_type_and_size(target, clerk_a, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf at all")
    message = error_of(
        lambda: services.target_value_report(
            actor=clerk_a, target=target, year=2024, month=10, value=1, evidence_file=fake
        )
    )["evidence_file"][0]
    assert message == "文件“证明.pdf”不是允许的类型：只能上传 PDF、JPEG、PNG、XLSX、DOCX 文件"
    settings.XF_ATTACHMENT_MAX_BYTES = 2048
    big = SimpleUploadedFile("大.pdf", b"%PDF-1.7\n" + b"0" * 4096)
    assert (
        "超过上限 2 KB"
        in error_of(
            lambda: services.target_value_report(
                actor=clerk_a, target=target, year=2024, month=10, value=1, evidence_file=big
            )
        )["evidence_file"][0]
    )
    row = services.target_value_report(
        actor=clerk_a,
        target=target,
        year=2024,
        month=10,
        value=1,
        evidence_file=SimpleUploadedFile("验收.docx", _docx()),
    )
    assert row.evidence_name == "验收.docx" and row.evidence_file.name.endswith(".docx")


def test_target_checks(unit_a, dispatcher, clerk_a) -> None:
    base = {
        "code": "t",
        "year": 2024,
        "name": "目标",
        "owner_unit": unit_a,
        "start_date": dt.date(2024, 1, 1),
        "deadline": dt.date(2024, 12, 31),
        "unit_of_measure": "个",
        "target_value": Decimal(5),
        "source": Source.MANUAL,
    }
    assert error_of(
        lambda: services.target_create(actor=dispatcher, fields={**base, "target_value": Decimal(0)})
    )["target_value"] == ["目标值不能为 0"]
    assert (
        "早于起算日期"
        in error_of(
            lambda: services.target_create(
                actor=dispatcher, fields={**base, "deadline": dt.date(2023, 12, 1)}
            )
        )["deadline"][0]
    )
    bad = {**base, "source": Source.COMPUTED, "definition": {"entity": "entries", "filters": {"kind": ["x"]}}}
    assert (
        "“建设性质”的取值“x”无效"
        in error_of(lambda: services.target_create(actor=dispatcher, fields=bad))["definition"][0]
    )
    with pytest.raises(PermissionDenied):
        services.target_create(actor=clerk_a, fields=base)
    target = services.target_create(actor=dispatcher, fields=base)
    updated = services.target_update(
        actor=dispatcher, target=target, fields={"name": "目标二"}, expected_version=1
    )
    assert updated.version == 2
    with pytest.raises(ConflictError):
        services.target_update(actor=dispatcher, target=target, fields={"name": "目标三"}, expected_version=1)
    assert ChangeRecord.objects.filter(object_type="targets.Target", object_id=str(target.pk)).count() == 2


def test_value_messages_in_english(target, clerk_a) -> None:
    """Needs the catalogue's English entries for these messages."""
    with translation.override("en"):
        errors = error_of(
            lambda: services.target_value_report(actor=clerk_a, target=target, year=2024, month=10, value=31)
        )
        assert errors["value"] == ["The cumulative value 31 is greater than the maximum allowed, 30"]
        errors = error_of(
            lambda: services.target_value_report(actor=clerk_a, target=target, year=2024, month=12, value=3)
        )
        assert errors["month"] == [
            "12/2024 has not ended yet: report the cumulative value at the month's end once it has"
        ]
