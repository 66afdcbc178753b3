from __future__ import annotations

from typing import Any

import pytest

from xianfeng.projects.models import ProgrammeEntry
from xianfeng.targets.tests import world


@pytest.fixture
def programme(unit_a: Any, unit_b: Any, dispatcher: Any) -> dict[str, ProgrammeEntry]:
    return world.build(unit_a, unit_b, dispatcher)
