from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.projects.choices import Stage


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("填报中")
    CLOSED = "closed", _("已关闭")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    UNIT_APPROVED = "unit_approved", _("单位已审核")
    ACCEPTED = "accepted", _("已采纳")
    RETURNED = "returned", _("已退回")


# A unit still owes the report while it is in one of these (nothing, a draft, or sent back).
OPEN_STATUSES = [ReportStatus.DRAFT, ReportStatus.RETURNED]
# Handed in: the figures count (the programme's year-to-date follows the latest of these).
HANDED_IN_STATUSES = [ReportStatus.SUBMITTED, ReportStatus.UNIT_APPROVED, ReportStatus.ACCEPTED]


class ReportAction(models.TextChoices):
    """One step in a report's history (a ReportEvent)."""

    CREATE = "create", _("创建")
    SAVE = "save", _("保存")
    IMPORT = "import", _("Excel 导入")
    SUBMIT = "submit", _("提交")
    APPROVE = "approve", _("单位审核通过")
    ACCEPT = "accept", _("采纳")
    RETURN = "return", _("退回")
    PHOTO = "photo", _("上传照片")
    PHOTO_REMOVE = "photo_remove", _("移除照片")
    PROBLEM = "problem", _("提出问题")
    STAGE = "stage", _("阶段变更")


class StageReached(models.TextChoices):
    """What a report may say about the project's lifecycle; blank means no change this month."""

    CONSTRUCTION = Stage.CONSTRUCTION.value, _("已开工")
    COMPLETED = Stage.COMPLETED.value, _("已竣工")
    OPERATING = Stage.OPERATING.value, _("已投产")


# Words a clerk writes in the "problems" column when there are none.
NO_PROBLEM_WORDS = {"", "无", "暂无", "没有", "无问题", "/", "-", "—", "无。", "暂无。", "否"}
