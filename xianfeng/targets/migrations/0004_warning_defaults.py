"""The default traffic-light rules and planned-investment curves (editable afterwards)."""

from decimal import Decimal

from django.db import migrations

RULES = [
    ("start", Decimal(0), Decimal(3), "计划开工月末未开工为黄灯，逾期3个月及以上为红灯"),
    ("pace", Decimal(10), Decimal(30), "落后时间进度10–30个百分点为黄灯，超过30个百分点为红灯"),
    ("reporting", Decimal(1), Decimal(2), "逾期报送或本期未报为黄灯，连续2期未报为红灯"),
]
# (category, kind, shape, steepness k, midpoint c): blank = any. New starts build up slowly after
# their start and continuing works run steadier; the default is linear.
CURVES = [
    ("", "", "linear", Decimal(8), Decimal("0.5")),
    ("", "new_start", "s_curve", Decimal(8), Decimal("0.5")),
    ("", "continuing", "s_curve", Decimal(4), Decimal("0.5")),
]


def create_defaults(apps, schema_editor):
    WarningRule = apps.get_model("targets", "WarningRule")
    PlanCurve = apps.get_model("targets", "PlanCurve")
    for rule, yellow, red, note in RULES:
        WarningRule.objects.get_or_create(
            rule=rule, defaults={"yellow_at": yellow, "red_at": red, "note": note}
        )
    for category, kind, shape, k, c in CURVES:
        PlanCurve.objects.get_or_create(
            category=category, kind=kind, defaults={"shape": shape, "steepness": k, "midpoint": c}
        )


class Migration(migrations.Migration):
    dependencies = [("targets", "0003_warnings_forecasts")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
