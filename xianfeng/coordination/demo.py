"""Demo problems with real histories across a year, made through the services.

:func:`load_demo_problems` is called by the demo loader after the programme exists. It replays the
year day by day with the clock frozen at each day: problems are raised from monthly reports,
assigned, accepted, resolved and confirmed on the days they happen, leaders write instructions,
the project office issues supervision orders — and every evening the daily escalation job runs as
it would in production, so overdue problems climb the levels on the right dates. Every row,
event, audit record and notification is therefore one the real code wrote.

The texts are invented for the demo; the mix of types leans on land, demolition, approvals and
funding, the problems the seed report's "强化服务保障" is about.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable
from typing import Any

from django.db import transaction

from xianfeng.coordination import services
from xianfeng.coordination.choices import (
    TRANSITIONS,
    ProblemAction,
    ProblemSource,
    ProblemType,
    SupervisionStatus,
)
from xianfeng.coordination.models import Problem
from xianfeng.lib import clock
from xianfeng.lib.workdays import add_working_days, is_working_day
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import Department, User
from xianfeng.projects.models import Project

PROBLEM_COUNT = 60
TYPE_WEIGHTS: dict[str, int] = {
    ProblemType.LAND: 20,
    ProblemType.DEMOLITION: 15,
    ProblemType.APPROVAL: 14,
    ProblemType.FUNDING: 12,
    ProblemType.PLANNING: 8,
    ProblemType.UTILITIES: 12,
    ProblemType.CONSTRUCTION: 11,
    ProblemType.OTHER: 8,
}
# Which unit usually answers each type (department codes of the demo's units); the project's own
# unit when the code is not there. Demolition goes to the street office of the project's street.
TYPE_UNITS: dict[str, list[str]] = {
    ProblemType.LAND: ["ZRZY"],
    ProblemType.PLANNING: ["ZRZY"],
    ProblemType.APPROVAL: ["FGJ", "ZJJ", "STHJ"],
    ProblemType.FUNDING: ["CZJ", "JRZX"],
    ProblemType.DEMOLITION: ["GXZHB"],
    ProblemType.UTILITIES: ["SWUJ", "CGJ", "JTJ"],
    ProblemType.CONSTRUCTION: ["ZJJ"],
    ProblemType.OTHER: ["FGJ"],
}
# (title, description, resolution) per type; {p} is the project's name.
TEXTS: dict[str, list[tuple[str, str, str]]] = {
    ProblemType.LAND: [
        ("新增建设用地指标未落实", "{p}二期地块需新增建设用地指标约 30 亩，年度指标尚未安排，影响土地出让。",
         "市自然资源和规划局已下达用地指标，地块已纳入本年度供地计划。"),
        ("地块土地组卷报批进度慢", "{p}所在地块农用地转用组卷材料已报送，省厅审查意见反馈后尚未完成补正。",
         "补正材料已报省厅，用地批复已取得。"),
        ("土地出让条件需调整", "{p}地块规划条件与项目方案存在差异，需调整出让条件后才能挂牌。",
         "出让条件已调整并经区政府常务会研究通过，地块已挂牌。"),
        ("林地占用手续未办结", "{p}用地范围涉及少量林地，占用林地审核手续尚未办结。",
         "林地占用审核同意书已取得。"),
    ],
    ProblemType.PLANNING: [
        ("规划方案审查意见未反馈", "{p}建设工程设计方案已报审，尚未收到审查意见，影响施工图设计。",
         "规划方案已通过审查，建设工程规划许可证已核发。"),
        ("控规调整尚未批复", "{p}所在单元控制性详细规划需局部调整，调整方案待批复。",
         "控规局部调整已获批复。"),
    ],
    ProblemType.APPROVAL: [
        ("施工许可办理受阻", "{p}施工图审查合格书已取得，施工许可因质量安全监督手续未齐备尚未核发。",
         "质量安全监督手续已补齐，施工许可证已核发。"),
        ("环评批复未取得", "{p}环境影响报告书已完成技术评估，待出具批复。",
         "环评批复已取得。"),
        ("节能审查意见待出具", "{p}节能报告已报送，节能审查意见尚未出具，影响项目开工。",
         "节能审查意见已出具。"),
        ("立项备案信息需变更", "{p}建设规模调整后需变更备案信息，变更办理进度慢。",
         "备案变更已完成，项目代码信息已同步更新。"),
    ],
    ProblemType.FUNDING: [
        ("专项债资金未拨付到位", "{p}年度专项债券资金已发行，资金拨付流程未完成，施工单位垫资压力大。",
         "专项债资金已拨付至项目单位账户。"),
        ("配套资金缺口需协调", "{p}区级配套资金存在缺口约 3000 万元，影响年度投资计划完成。",
         "已通过调整年度预算和申请上级补助解决资金缺口。"),
        ("银行贷款审批进度慢", "{p}项目贷款已报银行总行审批，审批周期较长，影响工程款支付。",
         "银行贷款已审批并首笔放款。"),
    ],
    ProblemType.DEMOLITION: [
        ("剩余住户未签约", "{p}征收范围内尚有 6 户未签订补偿协议，影响地块净地交付。",
         "剩余住户已全部签约并完成腾空。"),
        ("企业搬迁补偿未谈妥", "{p}范围内一家企业对搬迁补偿评估结果有异议，谈判尚未达成一致。",
         "经第三方复核评估并多轮协商，企业已签订搬迁补偿协议。"),
        ("地上附着物清表未完成", "{p}地块内地上附着物和临时建筑清表尚未完成，施工单位无法进场。",
         "清表工作已完成，地块已移交施工单位。"),
        ("坟墓迁移工作推进慢", "{p}用地范围内有零散坟墓需迁移，部分家属尚未同意。",
         "迁坟工作已全部完成。"),
    ],
    ProblemType.UTILITIES: [
        ("供水管线迁改未完成", "{p}施工范围内 DN600 供水管线需迁改，迁改方案尚未确定。",
         "管线迁改已完成并通水验收。"),
        ("临时用电报装进度慢", "{p}施工临时用电已申请，供电线路接入工程尚未完成。",
         "临时用电已接通。"),
        ("配套道路未按期贯通", "{p}周边配套道路未贯通，施工车辆通行困难，影响材料进场。",
         "配套道路已临时贯通，满足施工通行需要。"),
        ("雨污水接驳点未明确", "{p}项目雨污水排放需接入市政管网，接驳点位和方案尚未明确。",
         "接驳点位已明确，接驳工程已完成。"),
    ],
    ProblemType.CONSTRUCTION: [
        ("夜间施工许可需协调", "{p}主体结构混凝土浇筑需连续作业，夜间施工许可办理需协调。",
         "已办理夜间施工许可，并落实扰民防控措施。"),
        ("建筑材料价格上涨影响进度", "{p}钢材、混凝土价格上涨，施工单位要求调整合同价款，现场进度放缓。",
         "经协商签订补充协议，现场已恢复正常施工。"),
        ("周边居民投诉施工扰民", "{p}周边居民多次投诉施工噪声和扬尘，施工时间受限。",
         "已调整施工时间、加装降噪和喷淋设施，居民已认可。"),
    ],
    ProblemType.OTHER: [
        ("项目入统手续不完整", "{p}已开工但固定资产投资入统资料不完整，影响投资数据上报。",
         "入统资料已补齐，项目已纳入固定资产投资统计。"),
        ("招商引资政策兑现需明确", "{p}投资协议约定的扶持政策兑现口径需相关部门明确。",
         "政策兑现口径已经区政府研究明确。"),
    ],
}  # fmt: skip
PROGRESS_NOTES = [
    "已召开专题协调会，明确责任分工和时间节点。",
    "已与相关部门对接，材料正在准备中。",
    "已报上级部门审核，正在跟进。",
    "现场踏勘已完成，正在制定解决方案。",
]
REOPEN_NOTES = ["办理结果与实际情况不符，现场问题仍未解决。", "未附相关批复文件，请补充后再办结。"]
INSTRUCTION_TEXTS = [
    "请牵头单位本周内拿出解决方案，确保不影响项目年度投资计划。",
    "此事已久拖未决，请相关单位主要负责同志亲自协调，限期解决。",
    "请区项目办跟踪督办，及时报告进展。",
]
REPLY_TEXTS = [
    "已召开专题会议研究，形成解决方案，正按节点推进。",
    "已落实领导批示要求，主要负责同志已带队现场协调。",
]


class _Agenda:
    """Things to do on given days; a step may plan later steps (a reply after an instruction)."""

    def __init__(self, end: dt.date) -> None:
        self.end = end
        self._heap: list[tuple[dt.date, int, Callable[[], Any]]] = []
        self._seq = 0

    def add(self, day: dt.date, run: Callable[[], Any]) -> None:
        # What would happen after the demo's today has simply not happened yet.
        if day <= self.end:
            self._seq += 1
            heapq.heappush(self._heap, (day, self._seq, run))

    def run_day(self, day: dt.date) -> None:
        while self._heap and self._heap[0][0] <= day:
            _day, _seq, run = heapq.heappop(self._heap)
            run()


class _Cast:
    """The people who act: the office, each unit's liaison, the leaders with accounts."""

    def __init__(self, password_hash: str | None) -> None:
        self.password_hash = password_hash
        dispatcher = User.objects.filter(role=Role.DISPATCHER, is_active=True).order_by("id").first()
        if dispatcher is None:
            raise RuntimeError("演示问题需要一名调度专员账号，请先载入演示账号")
        self.dispatcher = dispatcher
        self._units: dict[int, User] = {}

    def unit_user(self, department: Department) -> User:
        """The unit's first clerk; a liaison account (联络员) is created for units without one."""
        if department.pk in self._units:
            return self._units[department.pk]
        user = (
            User.objects.filter(department=department, role__in=UNIT_ROLES, is_active=True)
            .order_by("role", "id")
            .first()
        )
        if user is None:
            username = f"{department.code.lower()}_lly"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    full_name=f"{department.short_name or department.name}联络员",
                    role=Role.UNIT_REPORTER,
                    department=department,
                )
                if self.password_hash:
                    user.password = self.password_hash
                else:
                    user.set_unusable_password()
                user.save()
        self._units[department.pk] = user
        return user

    def raiser(self, project: Project) -> User:
        """The project's own unit raises when it has a clerk; otherwise the office records it."""
        user = (
            User.objects.filter(department_id=project.lead_unit_id, role__in=UNIT_ROLES, is_active=True)
            .order_by("role", "id")
            .first()
        )
        return user or self.dispatcher


def _responsible(
    project: Project, type_: str, units: dict[str, Department], rng: random.Random
) -> Department:
    if type_ == ProblemType.DEMOLITION and project.street_id and rng.random() < 0.6:
        street_office = Department.objects.filter(region_id=project.street_id, is_active=True).first()
        if street_office is not None:
            return street_office
    for code in rng.sample(TYPE_UNITS[type_], len(TYPE_UNITS[type_])):
        if code in units:
            return units[code]
    return project.lead_unit


def load_demo_problems(*, year: int = 2024, password_hash: str | None = None, seed: int = 2024) -> int:
    """Create about sixty problems on ``year``'s programme with histories up to today; returns how many.

    Does nothing (returns 0) if the programme has no projects or already has problems. Units that
    handle problems but have no clerk get a liaison account ``<unit code>_lly`` with
    ``password_hash`` (the demo's password) or an unusable password.
    """
    projects = list(
        Project.objects.filter(entries__year=year, archived_at__isnull=True)
        .select_related("lead_unit", "leader", "leader__user")
        .order_by("internal_code")
    )
    if not projects or Problem.objects.filter(project__in=projects).exists():
        return 0
    rng = random.Random(seed)
    cast = _Cast(password_hash)
    units = {d.code: d for d in Department.objects.filter(is_active=True)}
    end = min(clock.today(), dt.date(year, 12, 31))
    agenda = _Agenda(end)
    # Leaders with an account write instructions: put a fair share of problems on their projects.
    led = [p for p in projects if p.leader_id and p.leader.user_id and p.leader.user.is_active]
    chosen = rng.sample(led, min(len(led), 14))
    others = [p for p in projects if p not in chosen]
    chosen += rng.sample(others, min(len(others), PROBLEM_COUNT - len(chosen)))
    rng.shuffle(chosen)
    for i, project in enumerate(chosen):
        _plan_story(agenda, i, len(chosen), project, rng, cast, units, year)
    _plan_supervision(agenda, cast, year)
    day = dt.date(year, 1, 1)
    with transaction.atomic():
        while day <= end:
            with clock.frozen(day):
                agenda.run_day(day)
                # The evening run of the daily job, as in production. Lateness counts working days
                # only, so a run on a weekend or holiday would change nothing: skip those days.
                if is_working_day(day):
                    services.coordination_daily(today=day)
            day += dt.timedelta(days=1)
    return Problem.objects.filter(project__in=chosen).count()


def _plan_story(
    agenda: _Agenda,
    i: int,
    count: int,
    project: Project,
    rng: random.Random,
    cast: _Cast,
    units: dict[str, Department],
    year: int,
) -> None:
    """Plan one problem's life on the agenda, from raising to closing (or to being stuck)."""
    type_ = rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0]
    title, description, resolution = rng.choice(TEXTS[type_])
    unit = _responsible(project, type_, units, rng)
    # Raised on working days spread from January to early December.
    start = dt.date(year, 1, 10)
    span = (dt.date(year, 12, 4) - start).days
    raised = add_working_days(start + dt.timedelta(days=int(span * (i + rng.random()) / count)), 0)
    raiser = cast.raiser(project)
    handler = cast.unit_user(unit)
    from_report = rng.random() < 0.7
    period = (raised.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m") if from_report else None
    deadline_days = rng.choice([5, 10, 10, 10, 15, 20])
    lateness = rng.choice([0.4, 0.6, 0.8, 0.9, 1.0, 1.2, 1.5, 2.0])
    # About one in four gets stuck: raised from August on, it is still open and climbing the
    # levels; raised earlier, it was resolved in the end, months late.
    stuck = rng.random() < 0.25
    if stuck and raised.month < 8:
        stuck, lateness = False, rng.choice([3.0, 4.0, 5.0])
    reopen = rng.random() < 0.1
    leader_user = project.leader.user if project.leader_id and project.leader.user_id else None
    holder: dict[str, Problem] = {}

    def do_raise() -> None:
        holder["problem"] = services.problem_raise(
            actor=raiser,
            project=project,
            type=type_,
            title=title,
            description=description.format(p=project.name),
            source=ProblemSource.REPORT if from_report else ProblemSource.DIRECT,
            source_type="dispatch.monthlyreport" if from_report else "",
            period=period,
        )

    def step(action: str, actor: User | None = None, **kwargs: Any) -> Callable[[], Any]:
        def run() -> None:
            problem = holder["problem"]
            problem.refresh_from_db()
            # A plan made in advance meets the problem as it really is: skip a step it has outgrown.
            if problem.status in TRANSITIONS[action][0]:
                services.problem_transition(actor=actor or handler, problem=problem, action=action, **kwargs)

        return run

    agenda.add(raised, do_raise)
    assigned = add_working_days(raised, rng.choice([0, 1, 1, 2]))
    agenda.add(
        assigned,
        lambda: services.problem_assign(
            actor=cast.dispatcher, problem=holder["problem"], units=[unit], deadline_days=deadline_days
        ),
    )
    accepted = add_working_days(assigned, rng.choice([1, 1, 2]))
    agenda.add(accepted, step(ProblemAction.ACCEPT))
    started = add_working_days(accepted, rng.choice([0, 1]))
    agenda.add(started, step(ProblemAction.START, note=rng.choice(PROGRESS_NOTES)))
    due = add_working_days(assigned, deadline_days)
    if deadline_days >= 10:
        agenda.add(
            add_working_days(started, deadline_days // 2),
            step(ProblemAction.PROGRESS, note=rng.choice(PROGRESS_NOTES)),
        )
    if leader_user is not None and (stuck or lateness > 1.0 or rng.random() < 0.3):
        text = rng.choice(INSTRUCTION_TEXTS)
        reply_days = rng.choice([3, 5])
        reply_after = rng.choice([1, 2, 4, 7])  # 7: a late reply, escalated by the daily job first
        reply_text = rng.choice(REPLY_TEXTS)

        def instruct() -> None:
            problem = holder["problem"]
            problem.refresh_from_db()
            if problem.status == "closed":
                return
            instruction = services.instruction_create(
                actor=leader_user, problem=problem, text=text, reply_days=reply_days
            )

            def reply() -> None:
                problem.refresh_from_db()
                if problem.status != "closed":
                    services.instruction_reply(actor=handler, instruction=instruction, text=reply_text)

            agenda.add(add_working_days(clock.today(), reply_after), reply)

        agenda.add(add_working_days(due, rng.choice([-2, 1, 2, 3])), instruct)
    if stuck:
        return
    resolved = add_working_days(assigned, max(1, round(deadline_days * lateness)))
    agenda.add(resolved, step(ProblemAction.RESOLVE, resolution=resolution))
    if reopen:
        reopened = add_working_days(resolved, 1)
        agenda.add(reopened, step(ProblemAction.REOPEN, actor=raiser, note=rng.choice(REOPEN_NOTES)))
        agenda.add(add_working_days(reopened, 1), step(ProblemAction.START))
        resolved = add_working_days(reopened, rng.choice([3, 4, 5]))
        agenda.add(resolved, step(ProblemAction.RESOLVE, resolution=resolution + "（已补充相关材料）"))
    closed = add_working_days(resolved, rng.choice([1, 1, 2, 3]))
    agenda.add(closed, step(ProblemAction.CLOSE, actor=raiser, note="经核实，同意销号。"))


def _plan_supervision(agenda: _Agenda, cast: _Cast, year: int) -> None:
    """Two supervision orders on the most overdue problems of the day: one accepted and being
    rectified, one whose plan was returned for rework."""
    orders = [
        (dt.date(year, 10, 15), "请于三个工作日内报送整改方案，明确完成时限和责任人。", True),
        (dt.date(year, 11, 18), "该问题已超期，请立即报送整改方案并加快办理。", False),
    ]
    plan_text = "一、成立工作专班，主要负责同志牵头；二、倒排工期，明确完成时限；三、每周向区项目办报送进展。"

    def supervise(requirement: str, accept: bool) -> Callable[[], Any]:
        def run() -> None:
            problem = (
                Problem.objects.overdue(clock.today())
                .filter(supervision_orders__isnull=True, primary_unit__isnull=False)
                .select_related("primary_unit")
                .order_by("deadline", "id")
                .first()
            )
            if problem is None:
                return
            order = services.supervision_issue(
                actor=cast.dispatcher, problem=problem, requirement=requirement, plan_days=3
            )
            handler = cast.unit_user(problem.primary_unit)
            note = "同意，按方案推进。" if accept else "方案缺少具体时间节点，请补充后重新报送。"

            def submit() -> None:
                order.refresh_from_db()
                if order.status == SupervisionStatus.ISSUED:
                    services.supervision_submit_plan(actor=handler, order=order, text=plan_text)

            def decide() -> None:
                order.refresh_from_db()
                if order.status == SupervisionStatus.PLAN_SUBMITTED:
                    services.supervision_decide(actor=cast.dispatcher, order=order, accept=accept, note=note)

            submitted = add_working_days(clock.today(), 2)
            agenda.add(submitted, submit)
            agenda.add(add_working_days(submitted, 1), decide)

        return run

    for day, requirement, accept in orders:
        agenda.add(add_working_days(day, 0), supervise(requirement, accept))
