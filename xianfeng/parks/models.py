from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.org.models import Department, Region


class IndustryChain(models.Model):
    """One of the district's key industry chains (重点产业链)."""

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("产业链")
        verbose_name_plural = _("产业链")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Park(models.Model):
    """A specialised industrial park (专业化园区)."""

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("主导产业链"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="parks",
    )
    street = models.ForeignKey(
        Region, verbose_name=_("所在街道"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    operator = models.ForeignKey(
        Department,
        verbose_name=_("运营主体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("园区")
        verbose_name_plural = _("园区")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name
