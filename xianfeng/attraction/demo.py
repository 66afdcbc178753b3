"""Demo investment attraction: about 200 leads over 2023–2024 with a realistic conversion.

:func:`load_demo_attraction` runs after the programme exists. It replays every lead's story with
the clock frozen on each day something happens — entered, followed up, contacted, negotiated,
signed, registered, landed or lost — through the services, so every row, stage change and audit
record is one the real code wrote. Landed leads are linked to the owner unit's existing demo
projects when one started after the landing (so "started" and "in production" come from the
registry), otherwise they create a new reserve project. Events are the kind the seed names:
进博会, 跨国公司领导人青岛峰会, 新加坡及港澳山东周, overseas visits and promotions.

Every company name, amount and date here is invented for the demo.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from typing import Any

from django.db import transaction

from xianfeng.attraction import services
from xianfeng.attraction.choices import (
    AmountUnit,
    EventKind,
    FollowUpKind,
    InvestorKind,
    Origin,
    Source,
    Stage,
)
from xianfeng.attraction.models import Event, Investor, Lead
from xianfeng.attraction.names import normalise_name
from xianfeng.lib import clock, uscc
from xianfeng.org.choices import Role
from xianfeng.org.models import Department, User
from xianfeng.parks.models import IndustryChain
from xianfeng.projects.choices import Category
from xianfeng.projects.models import Project

LEAD_COUNT = 200
FIRST_DAY = dt.date(2023, 1, 4)
LAST_DAY = dt.date(2024, 11, 29)
DEMO_END = dt.date(2024, 12, 6)

# Owner units and their share of the leads; the investment-promotion centre carries most.
UNIT_WEIGHTS = {"TCZX": 44, "GXJ": 20, "KCJT": 12, "YQZX": 12, "JJLJD": 12}
# Officer accounts the demo adds (username, full name, unit code); other units use their clerk.
OFFICERS = [
    ("touzhu_tb", "投促中心招商专员", "TCZX"),
    ("touzhu_tb2", "投促中心招商专员（二）", "TCZX"),
]

# name, kind, start, end, city, country
EVENTS: list[tuple[str, str, str, str, str, str]] = [
    ("崂山区赴日韩招商推介活动", EventKind.VISIT, "2023-04-17", "2023-04-22", "东京、首尔", "日本、韩国"),
    (
        "新加坡及港澳山东周（2023）",
        EventKind.PROMOTION,
        "2023-06-12",
        "2023-06-17",
        "新加坡、香港",
        "新加坡、中国香港",
    ),
    ("崂山区人工智能产业推介会（深圳）", EventKind.PROMOTION, "2023-09-06", "2023-09-06", "深圳", "中国"),
    ("2023跨国公司领导人青岛峰会", EventKind.SUMMIT, "2023-10-10", "2023-10-12", "青岛", "中国"),
    ("第六届中国国际进口博览会", EventKind.EXPO, "2023-11-05", "2023-11-10", "上海", "中国"),
    ("青岛·崂山投资环境说明会（北京）", EventKind.PROMOTION, "2024-03-21", "2024-03-21", "北京", "中国"),
    (
        "新加坡及港澳山东周（2024）",
        EventKind.PROMOTION,
        "2024-05-20",
        "2024-05-25",
        "新加坡、香港",
        "新加坡、中国香港",
    ),
    ("崂山区赴德国招商活动", EventKind.VISIT, "2024-09-09", "2024-09-14", "慕尼黑、法兰克福", "德国"),
    ("2024世界虚拟现实产业大会崂山分会场", EventKind.SUMMIT, "2024-10-19", "2024-10-20", "青岛", "中国"),
    ("第七届中国国际进口博览会", EventKind.EXPO, "2024-11-05", "2024-11-10", "上海", "中国"),
]

CHAIN_WEIGHTS = {"vr": 22, "ai": 20, "software": 18, "ic": 12, "biomed": 12, "finance": 8, "tourism": 8}
CHAIN_WORDS = {
    "vr": (
        ["光学", "显示", "虚拟现实", "交互", "空间计算"],
        ["光学模组生产基地", "XR终端研发中心", "虚拟现实内容制作基地"],
    ),
    "ai": (
        ["智能", "算力", "机器人", "视觉", "智算"],
        ["人工智能研发总部", "智能算力中心", "机器人研发制造项目"],
    ),
    "software": (
        ["软件", "信息技术", "数据", "云计算", "网络"],
        ["软件研发中心", "数据服务总部", "工业互联网平台"],
    ),
    "ic": (
        ["微电子", "半导体", "芯片", "传感"],
        ["芯片设计中心", "功率半导体封测项目", "传感器研发生产基地"],
    ),
    "biomed": (
        ["生物", "医药", "医疗器械", "基因", "制药"],
        ["创新药研发中心", "医疗器械生产基地", "生物医药中试平台"],
    ),
    "finance": (["资本", "投资", "基金", "融资租赁"], ["区域总部", "产业基金管理中心", "金融科技中心"]),
    "tourism": (["文旅", "文化", "旅游", "酒店管理"], ["文旅综合体", "精品度假酒店", "海洋文化体验项目"]),
}
BRANDS = [
    "瀚海",
    "澜峰",
    "启元",
    "泓远",
    "恒拓",
    "博昇",
    "睿晟",
    "云帆",
    "致远",
    "华瑞",
    "中科恒",
    "鼎信",
    "迈思",
    "凯拓",
    "星河",
    "卓越",
    "天衡",
    "明德",
    "嘉和",
    "润泽",
    "翰林",
    "同创",
    "青禾",
    "沐阳",
    "远景",
    "驰骋",
    "宏图",
    "蓝鲸",
    "海纳",
    "锐驰",
    "晶锐",
    "芯源",
    "极光",
    "北辰",
    "南山",
    "汇智",
    "聚能",
    "优联",
    "赛弗",
    "安捷",
    "微澜",
    "众诚",
    "联恒",
    "德隆",
    "佳禾",
    "宇航",
    "华辰",
    "朗坤",
    "智谷",
    "正元",
    "金石",
    "东升",
    "万象",
    "九章",
    "弘毅",
    "天启",
    "新元",
    "立信",
    "和光",
    "知行",
    "晨曦",
    "远帆",
    "澄明",
    "朗月",
    "清源",
    "浩瀚",
    "昆仑",
    "泰山",
    "衡山",
    "峨眉",
    "金桥",
    "银河",
    "鹏程",
    "凌云",
    "旭日",
    "望岳",
    "观澜",
    "临川",
    "海川",
    "长风",
    "恒星",
    "墨子",
    "鲁班",
    "祥云",
]
FOREIGN_BRANDS = {
    "德国": ["博伦", "克劳斯", "海德堡", "莱茵", "施密特", "菲尔德", "罗森", "沃尔夫"],
    "日本": ["东和", "丰冈", "大和", "松川", "北斗", "樱井", "山叶", "富岳"],
    "韩国": ["韩松", "汉江", "新罗", "青瓦", "釜山", "大宇星"],
    "新加坡": ["狮城", "凯盛", "丰隆", "星桥", "南洋", "滨海"],
    "美国": ["太平洋", "硅谷", "哈德逊", "洛基", "加州", "五大湖"],
    "法国": ["塞纳", "普罗旺斯", "卢瓦尔"],
}
HMT_BRANDS = {
    "中国香港": ["港信", "维港", "九龙", "太平山", "铜锣"],
    "中国台湾": ["台积", "宝岛", "阿里山"],
    "中国澳门": ["濠江", "氹仔"],
}
FOLLOW_UPS = [
    (
        FollowUpKind.MEETING,
        "与企业负责人会谈，介绍崂山区{chain}产业政策和载体资源，企业表示有意在青布局{what}。",
        "提供载体及选址方案",
    ),
    (
        FollowUpKind.VISIT,
        "陪同企业考察{place}，对接园区运营方，了解用地、用房及人才配套需求。",
        "组织政策座谈",
    ),
    (FollowUpKind.CALL, "电话沟通项目进展，企业内部正在进行投资论证，预计下月反馈。", "跟踪企业决策"),
    (
        FollowUpKind.MEETING,
        "组织相关部门与企业座谈，逐项回应企业关于供地、审批、人才公寓的诉求。",
        "起草投资合作协议",
    ),
    (FollowUpKind.EVENT, "在招商活动期间与企业代表交流，企业带来项目计划书。", "约请企业来崂考察"),
    (FollowUpKind.VISIT, "赴企业总部拜访，就协议条款和落地时间表交换意见。", "协议条款修改"),
]
PLACES = [
    "青岛市虚拟现实产业园",
    "青岛市人工智能产业园",
    "青岛市微电子产业园",
    "青岛市生物医药产业园",
    "金家岭金融区",
    "株洲路沿线楼宇",
    "张村河片区",
]
LOST_REASONS = [
    "企业最终选址外地（长三角）",
    "企业投资计划取消",
    "用地需求与区内规划不符",
    "企业融资未到位，项目暂停",
    "与其他区市竞争中未能胜出",
    "企业调整战略，转为设立销售办事处",
]
STEP_DAYS = {  # days spent before each step (min, max)
    Stage.CONTACTING: (3, 20),
    Stage.NEGOTIATING: (10, 45),
    Stage.SIGNED: (20, 100),
    Stage.REGISTERED: (10, 45),
    Stage.LANDED: (10, 60),
}
GO_ON = {  # probability a lead takes the next step (otherwise it is lost or still waiting)
    Stage.CONTACTING: 0.9,
    Stage.NEGOTIATING: 0.78,
    Stage.SIGNED: 0.62,
    Stage.REGISTERED: 0.88,
    Stage.LANDED: 0.88,
}


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _day_between(rng: random.Random, low: dt.date, high: dt.date) -> dt.date:
    return low + dt.timedelta(days=rng.randint(0, max(0, (high - low).days)))


def _round(value: float, step: int) -> Decimal:
    return Decimal(max(step, round(value / step) * step))


class _Cast:
    """Who acts for each unit: the demo's officers, the unit's clerk, or a liaison account."""

    def __init__(self, password_hash: str | None):
        self.password_hash = password_hash
        self.units = {d.code: d for d in Department.objects.filter(code__in=UNIT_WEIGHTS)}
        missing = set(UNIT_WEIGHTS) - set(self.units)
        if missing:
            raise RuntimeError(f"演示招商数据需要演示单位：{'、'.join(sorted(missing))}，请先载入演示数据")
        self.officers: dict[str, list[User]] = {}
        for username, full_name, code in OFFICERS:
            self.officers.setdefault(code, []).append(self._account(username, full_name, self.units[code]))
        for code, unit in self.units.items():
            if code in self.officers:
                continue
            clerk = (
                User.objects.filter(department=unit, role=Role.UNIT_REPORTER, is_active=True)
                .order_by("id")
                .first()
            )
            if clerk is None:
                clerk = self._account(f"{code.lower()}_lly", f"{unit.short_name or unit.name}联络员", unit)
            self.officers[code] = [clerk]

    def _account(self, username: str, full_name: str, unit: Department) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=full_name, role=Role.UNIT_REPORTER, department=unit)
            if self.password_hash:
                user.password = self.password_hash
            else:
                user.set_unusable_password()
            user.full_clean(exclude=["password"])
            user.save()
        return user

    def officer(self, rng: random.Random, code: str) -> User:
        return rng.choice(self.officers[code])


class _Names:
    """Unique invented company names (a normalised name is never reused, so nothing is a duplicate
    by accident; the two deliberate duplicates are made on purpose)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, make: Any) -> str:
        for _attempt in range(500):
            name = make()
            key = normalise_name(name)
            if key not in self.used:
                self.used.add(key)
                return name
        raise RuntimeError("演示企业名称用尽")

    def domestic(self, chain: str) -> str:
        rng = self.rng
        word = rng.choice(CHAIN_WORDS[chain][0])
        city = rng.choice(["青岛", "北京", "上海", "深圳", "杭州", "苏州", "济南", "南京", "合肥", "武汉"])
        form = rng.choice(["有限公司", "股份有限公司", "集团有限公司"])
        return self._unique(lambda: f"{city}{rng.choice(BRANDS)}{word}{form}")

    def foreign(self, country: str, chain: str) -> str:
        rng = self.rng
        word = rng.choice(CHAIN_WORDS[chain][0])
        table = FOREIGN_BRANDS.get(country) or HMT_BRANDS.get(country) or ["环球"]
        suffix = {"日本": "株式会社", "德国": "股份公司", "韩国": "株式会社"}.get(country, "有限公司")
        return self._unique(lambda: f"{country}{rng.choice(table)}{rng.choice(BRANDS)[:1]}{word}{suffix}")


def _credit_code(rng: random.Random, division: str = "370212") -> str:
    alphabet = uscc.ALPHABET
    body = "91" + division + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc.check_char(body)


def load_demo_attraction(*, password_hash: str | None = None, seed: int = 2023) -> int:
    """Create the demo's events, investors and about 200 leads with their stories; returns how
    many leads. Does nothing (returns 0) when leads exist already or the demo units are missing.

    Officer accounts ``touzhu_tb`` and ``touzhu_tb2`` (区投资促进中心) are added, and a liaison
    account ``<unit code>_lly`` for an owner unit without a clerk, with ``password_hash`` (the
    demo's password) or an unusable password.
    """
    if Lead.objects.exists() or not Department.objects.filter(code__in=UNIT_WEIGHTS).exists():
        return 0
    rng = random.Random(seed)
    with transaction.atomic():
        cast = _Cast(password_hash)
        chains = {c.code: c for c in IndustryChain.objects.all()}
        if not chains:
            return 0
        chain_weights = {k: v for k, v in CHAIN_WEIGHTS.items() if k in chains}
        events = _events(cast)
        names = _Names(rng)
        hosts = _hosts(rng, cast, names, chain_weights)
        used_projects: set[int] = set()
        plans = sorted(
            (_plan(rng, i, events, chain_weights) for i in range(LEAD_COUNT)),
            key=lambda p: (p["entered_on"], p["i"]),
        )
        for plan in plans:
            _story(rng, plan, cast, names, chains, hosts, used_projects)
        _duplicates(rng, cast)
    return Lead.objects.count()


def _events(cast: _Cast) -> list[Event]:
    actor = cast.officers["TCZX"][0]
    created = []
    for name, kind, start, end, city, country in EVENTS:
        day = dt.date.fromisoformat(start)
        with clock.frozen(max(day - dt.timedelta(days=14), dt.date(2023, 1, 2))):
            created.append(
                services.event_create(
                    actor=actor,
                    fields={
                        "name": name,
                        "kind": kind,
                        "starts_on": day,
                        "ends_on": dt.date.fromisoformat(end),
                        "city": city,
                        "country": country,
                        "note": "演示数据：活动名称取自常见招商活动，日期为示例。",
                    },
                )
            )
    return created


def _hosts(rng: random.Random, cast: _Cast, names: _Names, chain_weights: dict[str, int]) -> list[Investor]:
    """Enterprises already in the district, who bring others (以商招商)."""
    hosts = []
    with clock.frozen(dt.date(2023, 1, 3)):
        for _i in range(14):
            chain = _weighted(rng, chain_weights)
            hosts.append(
                services.investor_create(
                    actor=cast.officer(rng, "TCZX"),
                    fields={
                        "name": names.domestic(chain).replace("北京", "青岛").replace("上海", "青岛"),
                        "origin": Origin.DOMESTIC,
                        "credit_code": _credit_code(rng),
                        "in_district": True,
                        "note": "区内已落户企业（演示）",
                    },
                )
            )
    return hosts


def _plan(rng: random.Random, i: int, events: list[Event], chain_weights: dict[str, int]) -> dict[str, Any]:
    source = _weighted(
        rng,
        {
            Source.EVENT: 34,
            Source.VISIT: 14,
            Source.INVESTOR: 15,
            Source.AGENCY: 10,
            Source.DIRECT: 21,
            Source.OTHER: 6,
        },
    )
    event = None
    if source in {Source.EVENT, Source.VISIT}:
        kinds = (
            {EventKind.VISIT}
            if source == Source.VISIT
            else {EventKind.EXPO, EventKind.SUMMIT, EventKind.PROMOTION}
        )
        pool = [e for e in events if e.kind in kinds and e.ends_on <= LAST_DAY]
        event = rng.choice(pool)
        entered = min(event.ends_on + dt.timedelta(days=rng.randint(1, 21)), LAST_DAY)
    else:
        entered = _day_between(rng, FIRST_DAY, LAST_DAY)
    origin = _weighted(rng, {Origin.FOREIGN: 26, Origin.HMT: 14, Origin.DOMESTIC: 60})
    if event is not None and event.country not in {"中国", ""}:
        origin = Origin.HMT if "香港" in event.country and rng.random() < 0.5 else Origin.FOREIGN
    return {
        "i": i,
        "source": source,
        "event": event,
        "entered_on": entered,
        "origin": origin,
        "chain": _weighted(rng, chain_weights),
        "unit": _weighted(rng, UNIT_WEIGHTS),
    }


def _country(rng: random.Random, origin: str, event: Event | None) -> str:
    if origin == Origin.HMT:
        if event is not None and "香港" in event.country:
            return "中国香港"
        return rng.choice(["中国香港", "中国香港", "中国台湾", "中国澳门"])
    if origin == Origin.FOREIGN:
        if event is not None and event.country not in {"中国", ""}:
            options = [c for c in FOREIGN_BRANDS if c in event.country] or ["新加坡"]
            return rng.choice(options)
        return rng.choice(["德国", "日本", "韩国", "新加坡", "美国", "法国", "新加坡", "日本"])
    return "中国"


def _story(
    rng: random.Random,
    plan: dict[str, Any],
    cast: _Cast,
    names: _Names,
    chains: dict[str, IndustryChain],
    hosts: list[Investor],
    used_projects: set[int],
) -> None:
    code, chain_code = plan["unit"], plan["chain"]
    unit = cast.units[code]
    officer = cast.officer(rng, code)
    origin = plan["origin"]
    country = _country(rng, origin, plan["event"])
    investor_name = (
        names.domestic(chain_code) if origin == Origin.DOMESTIC else names.foreign(country, chain_code)
    )
    brand = investor_name
    for prefix in ["青岛", "北京", "上海", "深圳", "杭州", "苏州", "济南", "南京", "合肥", "武汉", country]:
        brand = brand.removeprefix(prefix)
    brand = brand[:2]
    project_word = rng.choice(CHAIN_WORDS[chain_code][1])
    # Investment: log-uniform 3,000 – 300,000 万元; intensity per 亩 around the threshold.
    wan = _round(math.exp(rng.uniform(math.log(3000), math.log(300000))), 100)
    needs_land = rng.random() < 0.6
    intensity = rng.uniform(150, 900)
    land = _round(float(wan) / intensity, 1) if needs_land else None
    tax = _round(float(land) * rng.uniform(8, 55), 10) if land else None
    if origin == Origin.FOREIGN:
        unit_code = AmountUnit.USD_WAN
        amount = _round(float(wan) / 7.1, 10)
    elif origin == Origin.HMT and country == "中国香港":
        unit_code, amount = AmountUnit.HKD_WAN, _round(float(wan) / 0.91, 10)
    elif wan >= 100000:
        unit_code, amount = AmountUnit.CNY_YI, (wan / Decimal(10000)).quantize(Decimal("0.1"))
    else:
        unit_code, amount = AmountUnit.CNY_WAN, wan
    fields: dict[str, Any] = {
        "name": f"{brand}{project_word}",
        "source": plan["source"],
        "event": plan["event"],
        "chain": chains[chain_code],
        "investment_amount": amount,
        "investment_unit": unit_code,
        "land_mu": land,
        "floor_area": _round(float(wan) * rng.uniform(0.8, 2.5), 100) if rng.random() < 0.7 else None,
        "expected_tax_wan": tax,
        "owner_unit": unit,
        "officer": officer,
        "entered_on": plan["entered_on"],
        "description": f"{investor_name}拟在崂山区投资建设{project_word}（演示数据）。",
    }
    if plan["source"] == Source.INVESTOR:
        fields["introducer"] = rng.choice(hosts)
        fields["source_detail"] = f"由区内企业“{fields['introducer'].name}”引荐"
    elif plan["source"] == Source.AGENCY:
        fields["source_detail"] = rng.choice(
            ["驻新加坡经贸代表处推荐", "招商中介机构推荐", "驻日本经贸联络处推荐"]
        )
    elif plan["source"] == Source.DIRECT:
        fields["source_detail"] = "企业主动来访洽谈"
    new_investor = {
        "name": investor_name,
        "kind": InvestorKind.COMPANY,
        "origin": origin,
        "country": country,
        "credit_code": _credit_code(rng, rng.choice(["110108", "310115", "440305", "370203"]))
        if origin == Origin.DOMESTIC and rng.random() < 0.6
        else "",
    }
    day = plan["entered_on"]
    for _attempt in range(20):
        try:
            with clock.frozen(day), transaction.atomic():
                lead = services.lead_create(
                    actor=officer, fields=fields, new_investor=new_investor, confirm_amount=True
                )
            break
        except services.DuplicateError:
            # Too close to an investor already entered: the demo invents another name.
            other = (
                names.domestic(chain_code)
                if origin == Origin.DOMESTIC
                else names.foreign(country, chain_code)
            )
            new_investor["name"] = other
    else:  # pragma: no cover
        raise RuntimeError("演示企业名称用尽")
    _follow_up(rng, lead, officer, day, chain_code, project_word)
    lead = _walk(rng, lead, officer, day, chain_code, project_word, wan, used_projects)
    if origin != Origin.DOMESTIC and lead.furthest_rank >= 4 and lead.stage != Stage.LOST:
        _foreign_capital(rng, lead, officer, lead.registered_on, wan)


def _walk(
    rng: random.Random,
    lead: Lead,
    officer: User,
    day: dt.date,
    chain_code: str,
    project_word: str,
    wan: Decimal,
    used_projects: set[int],
) -> Lead:
    """Take the lead as far as its luck and the calendar allow; lost on the way with a reason."""
    for stage in [Stage.CONTACTING, Stage.NEGOTIATING, Stage.SIGNED, Stage.REGISTERED, Stage.LANDED]:
        low, high = STEP_DAYS[stage]
        nxt = day + dt.timedelta(days=rng.randint(low, high))
        if nxt > DEMO_END:
            return lead  # still waiting for this step
        if rng.random() > GO_ON[stage]:
            if rng.random() < 0.5 and stage != Stage.LANDED:
                with clock.frozen(nxt):
                    lead = services.lead_lose(
                        actor=officer, lead=lead, lost_on=nxt, reason=rng.choice(LOST_REASONS)
                    )
            return lead
        with clock.frozen(nxt):
            lead = _step(rng, lead, officer, stage, nxt, wan, used_projects)
        day = nxt
        if rng.random() < 0.8 and stage != Stage.LANDED:
            _follow_up(rng, lead, officer, day, chain_code, project_word)
    return lead


def _follow_up(rng: random.Random, lead: Lead, actor: User, after: dt.date, chain: str, what: str) -> None:
    day = after + dt.timedelta(days=rng.randint(1, 12))
    if day > DEMO_END - dt.timedelta(days=1):
        return
    kind, text, step = rng.choice(FOLLOW_UPS)
    with clock.frozen(day):
        services.follow_up_add(
            actor=actor,
            lead=lead,
            happened_on=day,
            kind=kind,
            summary=text.format(
                chain=lead.chain.name if lead.chain else "重点", what=what, place=rng.choice(PLACES)
            ),
            next_step=step,
            next_step_on=day + dt.timedelta(days=rng.randint(7, 30)),
        )


def _step(
    rng: random.Random, lead: Lead, actor: User, stage: str, day: dt.date, wan: Decimal, used: set[int]
) -> Lead:
    if stage in {Stage.CONTACTING, Stage.NEGOTIATING}:
        return services.lead_advance(actor=actor, lead=lead, to_stage=stage, effective_on=day)
    if stage == Stage.SIGNED:
        signed = _round(float(wan) * rng.uniform(0.8, 1.3), 100)
        return services.lead_sign(
            actor=actor, lead=lead, signed_on=day, amount=signed, unit=AmountUnit.CNY_WAN, confirm_amount=True
        )
    if stage == Stage.REGISTERED:
        code = _credit_code(rng)
        while Lead.objects.filter(credit_code=code).exists():  # pragma: no cover - astronomically rare
            code = _credit_code(rng)
        return services.lead_register(
            actor=actor,
            lead=lead,
            registered_on=day,
            company_name=f"{lead.name[:2]}（青岛）{lead.chain.name if lead.chain else ''}有限公司",
            credit_code=code,
        )
    # Landing: an existing demo project of the unit that started after the landing, or a reserve one.
    candidates = [
        p
        for p in Project.objects.filter(
            lead_unit_id=lead.owner_unit_id,
            category=Category.INDUSTRY,
            is_illustrative=True,
            archived_at__isnull=True,
            attraction_lead__isnull=True,
        ).order_by("internal_code")
        if p.pk not in used and (p.actual_start is None or day < p.actual_start)
    ]
    # Prefer a project of the same industry chain, as the lead's description would match it.
    same_chain = [p for p in candidates if p.chain_id == lead.chain_id]
    candidates = same_chain or candidates
    project = rng.choice(candidates) if candidates and rng.random() < 0.85 else None
    if project is not None:
        used.add(project.pk)
        return services.lead_land(
            actor=actor, lead=lead, landed_on=day, project=project, note="演示：关联项目库中的项目"
        )
    return services.lead_land(actor=actor, lead=lead, landed_on=day, create_project=True)


def _foreign_capital(rng: random.Random, lead: Lead, actor: User, registered: dt.date, wan: Decimal) -> None:
    """Capital paid in by a foreign-invested company in the months after registration."""
    usd_total = float(wan) / 7.1 * rng.uniform(0.2, 0.6)
    month = dt.date(registered.year, registered.month, 1)
    while True:
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        if month > dt.date(2024, 11, 1) or usd_total <= 0:
            return
        if rng.random() < 0.45:
            continue
        amount = _round(min(usd_total, usd_total * rng.uniform(0.2, 0.5) + 50), 10)
        usd_total -= float(amount)
        day = dt.date(month.year + month.month // 12, month.month % 12 + 1, 5)
        with clock.frozen(min(day, DEMO_END)):
            services.foreign_capital_save(actor=actor, lead=lead, period=month, amount_usd_wan=amount)


def _duplicates(rng: random.Random, cast: _Cast) -> None:
    """Two investors a second unit entered again under another spelling, confirmed and flagged."""
    targets = list(
        Investor.objects.filter(in_district=False, owner_unit__code="TCZX", leads__isnull=False)
        .distinct()
        .order_by("id")[:2]
    )
    other = cast.officer(rng, "GXJ")
    for investor in targets:
        name = investor.name
        variant = name.replace("有限公司", "（青岛）有限公司") if "有限公司" in name else f"{name}（中国）"
        with clock.frozen(dt.date(2024, 11, 20)):
            services.lead_create(
                actor=other,
                fields={
                    "name": f"{investor.name_norm[:4]}青岛分部项目",
                    "source": Source.DIRECT,
                    "investment_amount": Decimal(8000),
                    "investment_unit": AmountUnit.CNY_WAN,
                    "entered_on": dt.date(2024, 11, 20),
                    "description": "演示：另一单位以不同写法登记了同一投资方，系统提示疑似重复后确认录入。",
                },
                new_investor={"name": variant, "origin": investor.origin, "country": investor.country},
                confirm_duplicate=True,
            )
