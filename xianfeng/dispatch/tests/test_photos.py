"""Site photos: JPEG or PNG by their bytes, within the size limit, the time taken kept from EXIF."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from xianfeng.dispatch import services
from xianfeng.dispatch.models import MonthlyReport, ReportEvent, ReportPhoto
from xianfeng.dispatch.tests.conftest import row

pytestmark = pytest.mark.django_db


def jpeg(taken: str | None = "2024:11:20 14:30:05", size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[36867] = taken  # DateTimeOriginal
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 120, 0)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def report(clerk_a, entries_a, november) -> MonthlyReport:  # type: ignore[no-untyped-def]
    services.reports_save(actor=clerk_a, period=november, rows=[row(entries_a[0])])
    return MonthlyReport.objects.get()


def test_a_jpeg_keeps_the_time_it_was_taken(clerk_a, report) -> None:
    photo = services.report_photo_add(
        actor=clerk_a, report=report, upload=SimpleUploadedFile("现场.jpg", jpeg()), caption="主体结构"
    )
    assert (photo.content_type, photo.width, photo.height) == ("image/jpeg", 64, 48)
    assert timezone.localtime(photo.taken_at).replace(tzinfo=None) == dt.datetime(2024, 11, 20, 14, 30, 5)
    assert photo.image.name.endswith(f"{photo.sha256}.jpg") and "现场" not in photo.image.name
    assert ReportEvent.objects.filter(
        report=report, action="photo", note__contains="拍摄于 2024-11-20 14:30"
    ).exists()
    with pytest.raises(ValidationError, match="已上传过"):
        services.report_photo_add(
            actor=clerk_a, report=report, upload=SimpleUploadedFile("again.jpg", jpeg())
        )


def test_a_png_without_exif_has_no_time(clerk_a, report) -> None:
    photo = services.report_photo_add(actor=clerk_a, report=report, upload=SimpleUploadedFile("a.png", png()))
    assert photo.content_type == "image/png" and photo.taken_at is None


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("fake.jpg", b"%PDF-1.7 not an image at all", "不是 JPEG 或 PNG"),
        ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100, "不是完整有效的图片"),
        ("empty.png", b"", "空文件"),
    ],
)
def test_what_is_not_an_image_is_refused(clerk_a, report, name, data, message) -> None:
    with pytest.raises(ValidationError, match=message):
        services.report_photo_add(actor=clerk_a, report=report, upload=SimpleUploadedFile(name, data))
    assert not ReportPhoto.objects.exists()


def test_too_big_is_refused(settings, clerk_a, report) -> None:
    settings.XF_PHOTO_MAX_BYTES = 2048
    big = jpeg(size=(800, 800))
    assert len(big) > 2048
    with pytest.raises(ValidationError, match="超过 2 KB 的上限"):
        services.report_photo_add(actor=clerk_a, report=report, upload=SimpleUploadedFile("big.jpg", big))


def test_only_the_unit_may_add_and_only_while_editable(clerk_b, reviewer_a, clerk_a, report) -> None:
    with pytest.raises(PermissionDenied):
        services.report_photo_add(actor=clerk_b, report=report, upload=SimpleUploadedFile("a.png", png()))
    with pytest.raises(PermissionDenied):
        services.report_photo_add(actor=reviewer_a, report=report, upload=SimpleUploadedFile("a.png", png()))
    photo = services.report_photo_add(actor=clerk_a, report=report, upload=SimpleUploadedFile("a.png", png()))
    services.report_photo_remove(actor=clerk_a, photo=photo)
    photo.refresh_from_db()
    assert photo.removed_at is not None and ReportPhoto.objects.count() == 1  # hidden, never deleted
    services.report_submit(actor=clerk_a, report=report)
    with pytest.raises(ValidationError, match="不能再添加照片"):
        services.report_photo_add(actor=clerk_a, report=report, upload=SimpleUploadedFile("b.png", png()))
