"""The demo's attraction data: about 200 leads over 2023–2024 with a realistic conversion, made
through the services on top of the real demo programme."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth.hashers import make_password

from xianfeng.attraction import selectors
from xianfeng.attraction.choices import Stage
from xianfeng.attraction.demo import LEAD_COUNT, load_demo_attraction
from xianfeng.attraction.models import Event, FollowUp, ForeignCapital, Investor, Lead, LeadStageChange
from xianfeng.audit.models import ChangeRecord
from xianfeng.demo.generator import DEMO_PASSWORD, load_demo
from xianfeng.lib import uscc
from xianfeng.org.models import User
from xianfeng.projects.choices import Stage as ProjectStage

pytestmark = pytest.mark.django_db(transaction=False)


def test_demo_leads_tell_a_plausible_story():
    load_demo(extras=())  # the programme only: this layer is loaded (and counted) here
    assert load_demo_attraction(password_hash=make_password(DEMO_PASSWORD)) == LEAD_COUNT + 2
    leads = list(Lead.objects.select_related("project", "investor"))
    assert all(dt.date(2023, 1, 1) <= x.entered_on <= dt.date(2024, 12, 6) for x in leads)
    ranks = Counter(x.furthest_rank for x in leads)
    signed = sum(n for rank, n in ranks.items() if rank >= 3)
    landed = [x for x in leads if x.stage == Stage.LANDED]
    assert 0.2 <= signed / len(leads) <= 0.4  # about a quarter to a third of leads are signed
    assert 15 <= len(landed) <= 60
    assert 0.15 <= Counter(x.stage for x in leads)[Stage.LOST] / len(leads) <= 0.45
    for lead in landed:
        assert lead.project is not None and lead.landed_on >= lead.registered_on >= lead.signed_on
        assert uscc.is_valid(lead.credit_code)
        assert lead.project.actual_start is None or lead.project.actual_start > lead.landed_on
    started = [x for x in landed if x.project.actual_start]
    new_reserve = [
        x for x in landed if x.project.stage == ProjectStage.RESERVE and x.project.is_illustrative is False
    ]
    assert len(started) >= 5 and new_reserve  # linked demo projects started; new ones wait in reserve
    # Every step left its trace: stage changes, follow-ups, audit records.
    assert LeadStageChange.objects.count() >= len(leads) + signed * 2
    assert FollowUp.objects.count() >= len(leads)
    assert (
        ChangeRecord.objects.filter(object_type="attraction.Lead").count() >= LeadStageChange.objects.count()
    )
    # Events with the leads they produced, foreign capital, two flagged duplicates.
    assert Event.objects.filter(name__contains="进口博览会").count() == 2
    assert all(e.lead_count > 0 for e in selectors.event_list(user=User.objects.get(username="touzhu_tb")))
    assert ForeignCapital.objects.exists()
    assert Investor.objects.filter(possible_duplicate_of__isnull=False).count() == 2
    assert Investor.objects.filter(in_district=True).count() >= 10
    officer = User.objects.get(username="touzhu_tb")
    assert officer.check_password(DEMO_PASSWORD) and officer.department.code == "TCZX"
    # The bureau sees them all, a street office none, the leader all.
    assert Lead.objects.restrict(officer, "view").count() == len(leads)
    assert Lead.objects.restrict(User.objects.get(username="weijian_tb"), "view").count() == 0
    assert Lead.objects.restrict(User.objects.get(username="leader"), "view").count() == len(leads)
    # Loaded once.
    assert load_demo_attraction() == 0
