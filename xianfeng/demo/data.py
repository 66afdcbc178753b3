"""Fixed lists behind the demo: Laoshan District's 2024 programme of key projects.

What comes from the seed report (《青岛日报》on Laoshan's 2024 plan): 315 projects, 230 billion yuan
in total, 155 new starts, the four categories, 7 industry chains and 4 specialised parks, the
named projects and where they stood. The five streets and their division codes are Laoshan's.
Everything else here — unit short names, leaders' names, enterprise brands, amounts, dates — is
invented for the demo and every project is marked ``is_illustrative``.
"""

from __future__ import annotations

from typing import Any

from xianfeng.org.choices import DepartmentKind, Role

CITY = ("370200", "青岛市")
DISTRICT = ("370212", "崂山区")

# Division code, name, anchor points (lon, lat) inside the street's OpenStreetMap boundary with a
# margin of about 500 m, so a jittered point still falls inside the right street.
STREETS: list[tuple[str, str, list[tuple[float, float]]]] = [
    (
        "370212001",
        "中韩街道",
        [
            (120.454, 36.131), (120.502, 36.149), (120.424, 36.125), (120.478, 36.149), (120.436, 36.137),
            (120.442, 36.119), (120.460, 36.143), (120.454, 36.119), (120.490, 36.149), (120.430, 36.119),
        ],
    ),
    (
        "370212002",
        "沙子口街道",
        [
            (120.569, 36.153), (120.509, 36.111), (120.635, 36.129), (120.515, 36.165), (120.611, 36.177),
            (120.593, 36.117), (120.575, 36.195), (120.545, 36.123), (120.545, 36.177), (120.599, 36.147),
        ],
    ),
    (
        "370212003",
        "王哥庄街道",
        [
            (120.634, 36.244), (120.688, 36.142), (120.574, 36.316), (120.646, 36.316), (120.676, 36.202),
            (120.586, 36.268), (120.646, 36.166), (120.610, 36.298), (120.664, 36.268), (120.640, 36.208),
        ],
    ),
    (
        "370212004",
        "北宅街道",
        [
            (120.557, 36.224), (120.623, 36.194), (120.509, 36.182), (120.509, 36.242), (120.599, 36.242),
            (120.569, 36.254), (120.527, 36.212), (120.587, 36.212), (120.539, 36.248), (120.497, 36.224),
        ],
    ),
    (
        "370212005",
        "金家岭街道",
        [
            (120.456, 36.097), (120.426, 36.073), (120.486, 36.121), (120.492, 36.097), (120.432, 36.091),
            (120.474, 36.103), (120.438, 36.079), (120.438, 36.103), (120.444, 36.091), (120.486, 36.109),
        ],
    ),
]  # fmt: skip
ZH, SZK, WGZ, BZ, JJL = (code for code, _name, _anchors in STREETS)

# Place names used to name and locate projects in each street.
PLACES: dict[str, list[str]] = {
    ZH: ["张村河", "株洲路", "东韩", "西韩", "王家村", "南龙口", "北村", "大埠东", "刘家下河", "枯桃",
         "辽阳东路", "苗岭路", "海尔路", "文岭路"],
    JJL: ["石老人", "麦岛", "午山", "金家岭", "浮山", "朱家洼", "松岭路", "香港东路", "海口路", "秦岭路",
          "同安路", "深圳路"],
    SZK: ["沙子口", "南窑", "段家埠", "东麦窑", "西麦窑", "大河东", "登瀛", "流清河", "汉河", "姜哥庄"],
    WGZ: ["王哥庄", "仰口", "港东", "晓望", "青山", "黄山", "雕龙嘴", "返岭", "峰山西"],
    BZ: ["北宅", "九水", "卧龙", "我乐", "东乌衣巷", "周哥庄", "孙家", "毕家", "蓝家庄", "华楼"],
}  # fmt: skip
ROADS: dict[str, list[str]] = {
    ZH: ["株洲路", "海尔路", "辽阳东路", "苗岭路", "劲松七路", "九水东路", "文岭路", "同兴路", "张村河北路"],
    JJL: ["松岭路", "香港东路", "海口路", "秦岭路", "同安路", "深圳路", "银川东路", "科苑纬一路", "青大一路"],
    SZK: ["崂山路", "沙港路", "东麦窑路", "大河东路", "登瀛路"],
    WGZ: ["王哥庄路", "仰口路", "港东路", "晓望路"],
    BZ: ["北宅路", "九水路", "华楼路", "卧龙路"],
}  # fmt: skip
# Where projects without a given street go, by share (the urban streets hold most of them).
STREET_WEIGHTS: dict[str, int] = {ZH: 30, JJL: 30, SZK: 15, WGZ: 12, BZ: 13}

# The seed's 7 key industry chains (虚拟现实、人工智能、软件和信息服务 are named; the others follow the
# report's 新一代信息技术、生物医药、科技金融 and 文旅 threads).
CHAINS: list[tuple[str, str]] = [
    ("vr", "虚拟现实"),
    ("ai", "人工智能"),
    ("software", "软件和信息服务"),
    ("ic", "集成电路"),
    ("biomed", "生物医药"),
    ("finance", "现代金融"),
    ("tourism", "文化旅游"),
]

# code, name, chain, street, operating unit.
PARKS: list[tuple[str, str, str, str, str]] = [
    ("vr", "青岛市虚拟现实产业园", "vr", ZH, "KCJT"),
    ("ai", "青岛市人工智能产业园", "ai", JJL, "KCJT"),
    ("ic", "青岛市微电子产业园", "ic", ZH, "YQZX"),
    ("biomed", "青岛市生物医药产业园", "biomed", SZK, "YQZX"),
]

# code, name, short name, kind, street (for street offices).
UNITS: list[tuple[str, str, str, str, str | None]] = [
    ("FGJ", "区发展和改革局", "区发改局", DepartmentKind.BUREAU, None),
    ("GXJ", "区工业和信息化局", "区工信局", DepartmentKind.BUREAU, None),
    ("KJJ", "区科技局", "区科技局", DepartmentKind.BUREAU, None),
    ("SWJ", "区商务局", "区商务局", DepartmentKind.BUREAU, None),
    ("TCZX", "区投资促进中心", "区投促中心", DepartmentKind.BUREAU, None),
    ("JRZX", "区金融发展服务中心", "区金融中心", DepartmentKind.BUREAU, None),
    ("CZJ", "区财政局", "区财政局", DepartmentKind.BUREAU, None),
    ("ZJJ", "区住房和城乡建设局", "区住建局", DepartmentKind.BUREAU, None),
    ("CGJ", "区城市管理局", "区城管局", DepartmentKind.BUREAU, None),
    ("JTJ", "区交通运输局", "区交通局", DepartmentKind.BUREAU, None),
    ("SWUJ", "区水务局", "区水务局", DepartmentKind.BUREAU, None),
    ("ZRZY", "青岛市自然资源和规划局崂山分局", "崂山自然资源分局", DepartmentKind.BUREAU, None),
    ("STHJ", "青岛市生态环境局崂山分局", "崂山生态环境分局", DepartmentKind.BUREAU, None),
    ("JYTY", "区教育和体育局", "区教体局", DepartmentKind.BUREAU, None),
    ("WJJ", "区卫生健康局", "区卫健局", DepartmentKind.BUREAU, None),
    ("MZJ", "区民政局", "区民政局", DepartmentKind.BUREAU, None),
    ("RSJ", "区人力资源和社会保障局", "区人社局", DepartmentKind.BUREAU, None),
    ("TYJR", "区退役军人事务局", "区退役军人局", DepartmentKind.BUREAU, None),
    ("WLJ", "区文化和旅游局", "区文旅局", DepartmentKind.BUREAU, None),
    ("NYNC", "区农业农村局", "区农业农村局", DepartmentKind.BUREAU, None),
    ("ZHJD", "中韩街道办事处", "中韩街道", DepartmentKind.STREET, ZH),
    ("SZKJD", "沙子口街道办事处", "沙子口街道", DepartmentKind.STREET, SZK),
    ("WGZJD", "王哥庄街道办事处", "王哥庄街道", DepartmentKind.STREET, WGZ),
    ("BZJD", "北宅街道办事处", "北宅街道", DepartmentKind.STREET, BZ),
    ("JJLJD", "金家岭街道办事处", "金家岭街道", DepartmentKind.STREET, JJL),
    ("GXZHB", "崂山区城市更新建设指挥部", "城市更新指挥部", DepartmentKind.OTHER, None),
    ("YQZX", "区园区发展服务中心", "区园区服务中心", DepartmentKind.PARK, None),
    ("KCJT", "青岛崂山科技创新发展集团", "崂山科创集团", DepartmentKind.COMPANY, None),
    ("WLJT", "青岛崂山文化旅游集团", "崂山文旅集团", DepartmentKind.COMPANY, None),
    ("CFJT", "青岛崂山城市发展集团", "崂山城发集团", DepartmentKind.COMPANY, None),
]
STREET_UNIT = {street: code for code, _n, _s, _k, street in UNITS if street}

# District leaders: invented names, marked as examples in their titles.
LEADERS: list[tuple[str, str, str]] = [
    ("secretary", "许嘉和", "区委书记（示例）"),
    ("mayor", "林致远", "区委副书记、区长（示例）"),
    ("exec", "宋立言", "区委常委、常务副区长（示例）"),
    ("renewal", "韩亦舟", "区委常委、副区长（示例）"),
    ("industry", "孟书航", "副区长（示例）"),
    ("social", "贺知行", "副区长（示例）"),
    ("culture", "丁若川", "副区长（示例）"),
    ("infra", "齐文博", "副区长（示例）"),
]
# Which leader is in charge (包联) of a unit's projects; province-level ones go to the two principals.
LEADER_OF_UNIT: dict[str, str] = {
    "FGJ": "exec", "CZJ": "exec", "TCZX": "exec", "JRZX": "exec", "SWJ": "exec", "JJLJD": "exec",
    "GXJ": "industry", "KJJ": "industry", "YQZX": "industry", "KCJT": "industry",
    "ZJJ": "renewal", "ZRZY": "renewal", "GXZHB": "renewal", "CFJT": "renewal", "ZHJD": "renewal",
    "JYTY": "social", "WJJ": "social", "MZJ": "social", "RSJ": "social", "TYJR": "social",
    "WLJ": "culture", "NYNC": "culture", "WLJT": "culture", "SZKJD": "culture", "WGZJD": "culture",
    "JTJ": "infra", "SWUJ": "infra", "CGJ": "infra", "STHJ": "infra", "BZJD": "infra",
}  # fmt: skip

# username, role, full name, unit, leader key.
DEMO_USERS: list[tuple[str, str, str, str | None, str | None]] = [
    ("dispatcher", Role.DISPATCHER, "项目办调度员", "FGJ", None),
    ("weijian_tb", Role.UNIT_REPORTER, "卫健局填报员", "WJJ", None),
    ("weijian_sh", Role.UNIT_REVIEWER, "卫健局审核员", "WJJ", None),
    ("jiaoti_tb", Role.UNIT_REPORTER, "教体局填报员", "JYTY", None),
    ("jiaoti_sh", Role.UNIT_REVIEWER, "教体局审核员", "JYTY", None),
    ("jinjialing_tb", Role.UNIT_REPORTER, "金家岭街道填报员", "JJLJD", None),
    ("jinjialing_sh", Role.UNIT_REVIEWER, "金家岭街道审核员", "JJLJD", None),
    ("gongxin_tb", Role.UNIT_REPORTER, "工信局填报员", "GXJ", None),
    ("gongxin_sh", Role.UNIT_REVIEWER, "工信局审核员", "GXJ", None),
    # Natural resources handles land problems for every unit; it leads no project of its own.
    ("ziyuan_tb", Role.UNIT_REPORTER, "自然资源分局填报员", "ZRZY", None),
    ("leader", Role.LEADER, "孟书航", None, "industry"),
    ("admin", Role.ADMIN, "系统管理员", None, None),
    ("auditor", Role.AUDITOR, "审计管理员", None, None),
]

# The programme's shape: projects per (category, kind). New starts add up to the seed's 155.
#                  new_start continuing reserve strategic
SLOTS: dict[str, tuple[int, int, int, int]] = {
    "industry": (58, 45, 16, 9),
    "urban_renewal": (33, 22, 7, 4),
    "livelihood": (36, 25, 6, 1),
    "infrastructure": (28, 18, 6, 1),
}
LEVEL_COUNTS = {"province": 12, "city": 45}  # the rest are district-level

# ---------------------------------------------------------------------------------------------
# Projects the seed names, with the stage the report gives at the start of 2024 and where they
# would be by December. Amounts, dates and units are illustrative.

SEED_NOTE = "《青岛日报》报道点名项目"

SEED_PROJECTS: list[dict[str, Any]] = [
    {
        "name": "青岛虚拟现实整机和光学模组项目",
        "category": "industry", "kind": "continuing", "level": "province",
        "chain": "vr", "park": "vr", "street": ZH, "unit": "GXJ", "place": "株洲路",
        "point": (120.437, 36.127), "owner": "青岛崂山科技创新发展集团",
        "total": 350000, "floor_area": 350000, "land_area": 96,
        "planned_start": "2022-12-31", "planned_completion": "2023-10-31",
        "start": "2023-01-12", "completion": "2023-10-20", "operation": "2023-11-08",
        "pre_share": 0.88, "ytd_factor": 1.0,
        "content": "建设虚拟现实整机及光学模组研发生产专业化楼宇，建筑面积约35万平方米；已部分投产，"
        "2024年续建生产线设备安装及配套工程。",
        "note": SEED_NOTE + "：数月前投用、部分投产，建筑面积约35万平方米",
    },
    {
        "name": "青岛虚拟现实创享中心项目",
        "category": "industry", "kind": "continuing", "level": "province",
        "chain": "vr", "park": "vr", "street": ZH, "unit": "KCJT", "place": "株洲路",
        "point": (120.433, 36.129), "owner": "青岛崂山科技创新发展集团",
        "total": 320000, "floor_area": 260000, "land_area": 78,
        "planned_start": "2022-06-30", "planned_completion": "2024-09-30",
        "start": "2022-06-18", "completion": "2024-09-26", "operation": "2024-10-28",
        "pre_share": 0.7, "ytd_factor": 1.0,
        "content": "建设虚拟现实展示体验、内容创作、企业孵化等功能的创享中心（“梦幻飞碟”），"
        "总建筑面积约26万平方米。",
        "note": SEED_NOTE + "：预计3月部分交付，年内建成投用",
    },
    {
        "name": "观海文创产业园项目",
        "category": "industry", "kind": "continuing", "level": "city",
        "chain": "tourism", "park": None, "street": ZH, "unit": "WLJ", "place": "株洲路",
        "point": (120.441, 36.124), "owner": "青岛日报社（集团）",
        "total": 220000, "floor_area": 240000, "land_area": 62,
        "planned_start": "2023-12-31", "planned_completion": "2026-12-31",
        "start": "2023-12-26", "pre_share": 0.04,
        "content": "建设文化创意产业园区，包括传媒融合中心、文创办公、展示交流及配套设施，"
        "总建筑面积约24万平方米。",
        "note": SEED_NOTE + "：2023年12月举行开工仪式",
    },
    {
        "name": "虚拟现实产业园总部基地项目",
        "category": "industry", "kind": "new_start", "level": "province",
        "chain": "vr", "park": "vr", "street": ZH, "unit": "GXJ", "place": "株洲路",
        "point": (120.446, 36.131), "owner": "青岛崂山科技创新发展集团",
        "total": 600000, "floor_area": 520000, "land_area": 120,
        "month": 4, "start": "2024-04-18", "planned_completion": "2027-06-30",
        "content": "建设虚拟现实产业总部办公、研发中试、公共服务平台及配套设施，总建筑面积约52万平方米。",
        "note": SEED_NOTE + "：年内开工建设",
    },
    {
        "name": "崂山区人民医院项目",
        "category": "livelihood", "kind": "new_start", "level": "city",
        "chain": None, "park": None, "street": ZH, "unit": "WJJ", "place": "张村河",
        "point": (120.462, 36.138), "owner": "青岛市崂山区卫生健康局",
        "total": 300000, "floor_area": 230000, "land_area": 88,
        "month": 6, "start": "2024-06-26", "planned_completion": "2027-12-31",
        "content": "新建三级综合医院，设置床位1000张，总建筑面积约23万平方米。",
        "note": SEED_NOTE + "：年内开工建设",
    },
    {
        "name": "崂山文化艺术中心项目",
        "category": "urban_renewal", "kind": "new_start", "level": "city",
        "chain": None, "park": None, "street": ZH, "unit": "GXZHB", "place": "张村河片区",
        "point": (120.468, 36.141), "owner": "青岛崂山城市发展集团",
        "total": 280000, "floor_area": 150000, "land_area": 70,
        "month": 5, "start": "2024-05-28", "planned_completion": "2027-06-30",
        "content": "在张村河片区建设大剧院、美术馆、图书馆等文化设施，总建筑面积约15万平方米，打造城市地标。",
        "note": SEED_NOTE + "：年内开工建设，张村河片区城市地标",
    },
    {
        "name": "若七文化艺术综合体项目",
        "category": "industry", "kind": "continuing", "level": "city",
        "chain": "tourism", "park": None, "street": JJL, "unit": "WLJ", "place": "松岭路",
        "point": (120.486, 36.110), "owner": "",
        "total": 150000, "floor_area": 120000, "land_area": 40,
        "planned_start": "2022-09-30", "planned_completion": "2024-11-30",
        "start": "2022-09-15", "completion": "2024-11-18", "operation": "2024-11-28",
        "pre_share": 0.72, "ytd_factor": 0.98,
        "content": "建设集艺术展演、文化交流、商业配套于一体的文化艺术综合体，总建筑面积约12万平方米。",
        "note": SEED_NOTE + "：年内建成投用",
    },
    {
        "name": "新华锦小蓬莱国际康复医院项目",
        "category": "livelihood", "kind": "continuing", "level": "city",
        "chain": None, "park": None, "street": SZK, "unit": "WJJ", "place": "沙子口",
        "point": (120.545, 36.125), "owner": "新华锦集团",
        "total": 120000, "floor_area": 110000, "land_area": 45,
        "planned_start": "2022-03-31", "planned_completion": "2024-08-31",
        "start": "2022-03-20", "completion": "2024-08-30", "operation": "2024-10-15",
        "pre_share": 0.75, "ytd_factor": 1.0,
        "content": "建设康复医疗、医养结合的国际康复医院，设置床位600张，总建筑面积约11万平方米。",
        "note": SEED_NOTE + "：年内建成投用",
    },
    {
        "name": "张村河生态公园项目",
        "category": "urban_renewal", "kind": "new_start", "level": "city",
        "chain": None, "park": None, "street": ZH, "unit": "GXZHB", "place": "张村河",
        "point": (120.456, 36.133), "owner": "青岛崂山城市发展集团",
        "total": 90000, "floor_area": None, "land_area": 620,
        "month": 3, "start": "2024-03-26", "planned_completion": "2025-12-31",
        "content": "沿张村河两岸建设生态公园，实施河道景观提升、慢行系统、口袋公园及配套服务设施。",
        "note": SEED_NOTE + "：打造城市地标",
    },
    {
        "name": "石老人海水浴场TOD地铁项目",
        "category": "infrastructure", "kind": "new_start", "level": "province",
        "chain": None, "park": None, "street": JJL, "unit": "CFJT", "place": "石老人",
        "point": (120.474, 36.104), "owner": "青岛崂山城市发展集团",
        "total": 1200000, "floor_area": 900000, "land_area": 210,
        "month": 6, "start": "2024-06-28", "planned_completion": "2029-12-31",
        "content": "依托地铁石老人海水浴场站开展TOD综合开发，建设轨道交通接驳、商业、办公、"
        "公共服务及配套设施，总建筑面积约90万平方米。",
        "note": SEED_NOTE + "：年内启动建设",
    },
    {
        "name": "浮山学校项目",
        "category": "livelihood", "kind": "continuing", "level": "district",
        "chain": None, "park": None, "street": JJL, "unit": "JYTY", "place": "浮山",
        "point": (120.438, 36.101), "owner": "青岛市崂山区教育和体育局",
        "total": 65000, "floor_area": 72000, "land_area": 58,
        "planned_start": "2023-05-31", "planned_completion": "2025-07-31",
        "start": "2023-05-10", "pre_share": 0.3,
        "content": "新建九年一贯制学校，设置54个教学班，总建筑面积约7.2万平方米。",
        "note": SEED_NOTE + "：8所学校之一",
    },
    {
        "name": "崂山区第一中学项目",
        "category": "livelihood", "kind": "new_start", "level": "city",
        "chain": None, "park": None, "street": ZH, "unit": "JYTY", "place": "张村河",
        "point": (120.474, 36.147), "owner": "青岛市崂山区教育和体育局",
        "total": 90000, "floor_area": 98000, "land_area": 86,
        "month": 3, "start": "2024-03-20", "planned_completion": "2026-07-31",
        "content": "新建高级中学，设置60个教学班，总建筑面积约9.8万平方米。",
        "note": SEED_NOTE + "：8所学校之一",
    },
    {
        "name": "山东中医药大学附属医院青岛医院项目",
        "category": "livelihood", "kind": "continuing", "level": "province",
        "chain": None, "park": None, "street": SZK, "unit": "WJJ", "place": "大河东",
        "point": (120.569, 36.150), "owner": "山东中医药大学附属医院",
        "total": 400000, "floor_area": 330000, "land_area": 150,
        "planned_start": "2022-10-31", "planned_completion": "2025-12-31",
        "start": "2022-10-28", "pre_share": 0.42,
        "content": "建设中医特色三级甲等医院，设置床位1500张，总建筑面积约33万平方米。",
        "note": SEED_NOTE + "：加快推进建设",
    },
    {
        "name": "崂山区公共卫生中心项目",
        "category": "livelihood", "kind": "continuing", "level": "district",
        "chain": None, "park": None, "street": ZH, "unit": "WJJ", "place": "海尔路",
        "point": (120.430, 36.121), "owner": "青岛市崂山区卫生健康局",
        "total": 80000, "floor_area": 62000, "land_area": 30,
        "planned_start": "2022-05-31", "planned_completion": "2024-04-30",
        "start": "2022-05-16", "completion": "2024-04-25", "operation": "2024-06-18",
        "pre_share": 0.85, "ytd_factor": 1.0,
        "content": "建设疾病预防控制、卫生监督、急救指挥等公共卫生服务用房，总建筑面积约6.2万平方米。",
        "note": SEED_NOTE + "：全面启用",
    },
]  # fmt: skip

# Projects the seed mentions as a group (8 schools, 10 pocket parks, 19 elderly-care stations, the
# three rural demonstration areas' 12 projects) plus a few the report alludes to. Illustrative.
GROUP_PROJECTS: list[dict[str, Any]] = [
    {"name": "崂山区张村河片区九年一贯制学校项目", "category": "livelihood", "kind": "continuing",
     "street": ZH, "unit": "JYTY", "place": "张村河", "total": 52000, "subject": "school",
     "note": "8所学校之一"},
    {"name": "崂山区株洲路小学项目", "category": "livelihood", "kind": "continuing",
     "street": ZH, "unit": "JYTY", "place": "株洲路", "total": 32000, "subject": "school",
     "note": "8所学校之一"},
    {"name": "崂山区金家岭学校项目", "category": "livelihood", "kind": "continuing",
     "street": JJL, "unit": "JYTY", "place": "金家岭", "total": 46000, "subject": "school",
     "note": "8所学校之一"},
    {"name": "崂山区沙子口小学改扩建项目", "category": "livelihood", "kind": "new_start",
     "street": SZK, "unit": "JYTY", "place": "沙子口", "total": 18000, "subject": "school", "month": 4,
     "note": "8所学校之一"},
    {"name": "崂山区王哥庄中学改扩建项目", "category": "livelihood", "kind": "new_start",
     "street": WGZ, "unit": "JYTY", "place": "王哥庄", "total": 21000, "subject": "school", "month": 5,
     "note": "8所学校之一"},
    {"name": "崂山区北宅中心小学改扩建项目", "category": "livelihood", "kind": "new_start",
     "street": BZ, "unit": "JYTY", "place": "北宅", "total": 15000, "subject": "school", "month": 6,
     "note": "8所学校之一"},
    {"name": "崂山区2024年口袋公园建设项目（10处）", "category": "urban_renewal", "kind": "new_start",
     "street": None, "unit": "CGJ", "place": "", "total": 6000, "month": 4, "quick": True,
     "content": "在张村河片区及各街道建设口袋公园10处，新增绿地约4万平方米。", "industry": "78",
     "note": "建设10处口袋公园"},
    {"name": "崂山区社区养老服务站建设项目（19处）", "category": "livelihood", "kind": "new_start",
     "street": None, "unit": "MZJ", "place": "", "total": 5700, "month": 5, "quick": True,
     "content": "高标准建设社区养老服务站19处，提供助餐、日间照料、康复护理等服务。", "industry": "85",
     "note": "高标准建设社区养老服务站19处"},
    {"name": "崂山区“零工之家”就业服务站点建设项目", "category": "livelihood", "kind": "new_start",
     "street": None, "unit": "RSJ", "place": "", "total": 2200, "month": 3, "quick": True,
     "content": "在各街道建设“零工之家”就业服务站点，提供零工信息发布、技能培训及权益保障服务。",
     "industry": "72", "note": "打造“零工之家”"},
    {"name": "崂山区退役军人服务中心提升项目", "category": "livelihood", "kind": "new_start",
     "street": ZH, "unit": "TYJR", "place": "海尔路", "total": 3600, "month": 5, "quick": True,
     "content": "改造提升区退役军人服务中心，建设综合服务大厅、就业创业孵化及荣誉展示空间。",
     "industry": "85", "note": ""},
    {"name": "崂山区人才住房建设项目（张村河片区）", "category": "livelihood", "kind": "continuing",
     "street": ZH, "unit": "ZJJ", "place": "张村河", "total": 168000, "subject": "housing",
     "note": "分配公租房和人才住房1000套"},
    {"name": "青岛人工智能算力中心项目", "category": "industry", "kind": "continuing", "chain": "ai",
     "park": "ai", "street": JJL, "unit": "KCJT", "place": "松岭路", "total": 260000, "subject": "compute",
     "note": "报道提及：算力中心等重大项目竞相落地"},
    # 百里溪谷、流清湾、仰口三个示范片区12个项目
    {"name": "百里溪谷示范片区九水河道生态提升工程", "category": "infrastructure", "kind": "continuing",
     "street": BZ, "unit": "SWUJ", "place": "九水", "total": 12000, "subject": "river", "rural": True},
    {"name": "百里溪谷示范片区精品民宿集群项目", "category": "industry", "kind": "continuing",
     "chain": "tourism", "street": BZ, "unit": "BZJD", "place": "卧龙", "total": 18000, "subject": "bnb",
     "rural": True},
    {"name": "百里溪谷示范片区旅游道路提升工程", "category": "infrastructure", "kind": "new_start",
     "street": BZ, "unit": "JTJ", "place": "华楼", "total": 9500, "subject": "rural_road", "month": 3,
     "rural": True},
    {"name": "百里溪谷示范片区村庄风貌提升工程", "category": "urban_renewal", "kind": "new_start",
     "street": BZ, "unit": "BZJD", "place": "我乐", "total": 6800, "subject": "village", "month": 4,
     "rural": True},
    {"name": "流清湾示范片区滨海步道提升工程", "category": "infrastructure", "kind": "continuing",
     "street": SZK, "unit": "SZKJD", "place": "流清河", "total": 8600, "subject": "trail", "rural": True},
    {"name": "流清湾示范片区崂山茶文化体验园项目", "category": "industry", "kind": "continuing",
     "chain": "tourism", "street": SZK, "unit": "WLJT", "place": "流清河", "total": 26000, "subject": "tea",
     "rural": True},
    {"name": "流清湾示范片区污水管网完善工程", "category": "infrastructure", "kind": "new_start",
     "street": SZK, "unit": "SWUJ", "place": "东麦窑", "total": 5200, "subject": "sewer", "month": 3,
     "rural": True},
    {"name": "流清湾示范片区渔村风貌提升工程", "category": "urban_renewal", "kind": "continuing",
     "street": SZK, "unit": "SZKJD", "place": "西麦窑", "total": 7400, "subject": "village", "rural": True},
    {"name": "仰口示范片区游客服务中心项目", "category": "industry", "kind": "continuing",
     "chain": "tourism", "street": WGZ, "unit": "WLJT", "place": "仰口", "total": 15000, "subject": "visitor",
     "rural": True},
    {"name": "仰口示范片区海岸带生态修复工程", "category": "infrastructure", "kind": "continuing",
     "street": WGZ, "unit": "ZRZY", "place": "仰口", "total": 13500, "subject": "coast", "rural": True},
    {"name": "仰口示范片区茶旅融合示范园项目", "category": "industry", "kind": "new_start",
     "chain": "tourism", "street": WGZ, "unit": "WGZJD", "place": "晓望", "total": 11000, "subject": "tea",
     "month": 4, "rural": True},
    {"name": "仰口示范片区村居环境提升工程", "category": "urban_renewal", "kind": "new_start",
     "street": WGZ, "unit": "WGZJD", "place": "港东", "total": 5600, "subject": "village", "month": 3,
     "rural": True},
]  # fmt: skip
RURAL_NOTE = "百里溪谷、流清湾、仰口三个示范片区12个项目之一"

# Invented projects of 100 亿元 and more: the programme's few giants.
BIG_PROJECTS: list[dict[str, Any]] = [
    {"name": "张村河片区城市更新项目（二期）", "category": "urban_renewal", "kind": "continuing",
     "level": "province", "street": ZH, "unit": "GXZHB", "place": "张村河", "total": 2200000,
     "subject": "renewal_area"},
    {"name": "金家岭金融区国际金融中心项目", "category": "industry", "kind": "continuing", "chain": "finance",
     "level": "province", "street": JJL, "unit": "JRZX", "place": "金家岭", "total": 1250000,
     "subject": "finance_tower"},
    {"name": "沙子口片区城中村改造项目", "category": "urban_renewal", "kind": "new_start", "month": 6,
     "level": "province", "street": SZK, "unit": "CFJT", "place": "沙子口", "total": 1050000,
     "subject": "renewal_area"},
    {"name": "青岛市人工智能产业园核心区开发建设项目", "category": "industry", "kind": "new_start",
     "chain": "ai", "park": "ai", "month": 5, "level": "province", "street": JJL, "unit": "KCJT",
     "place": "松岭路", "total": 1000000, "subject": "park_core"},
]  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Templates for the invented projects.
# key: (name pattern, industry codes of GB/T 4754, content pattern, median total in 万元,
#       cost per ㎡ of floor area in 万元 (None: no buildings), has land)
# Patterns: {brand} an invented enterprise brand, {place} a place in the street, {road} a road,
# {num} a Chinese numeral.

INDUSTRY_SUBJECTS: dict[str | None, list[tuple[str, str, str, int, float | None, bool]]] = {
    "vr": [
        (
            "{brand}虚拟现实头显整机研发生产项目",
            "39",
            "建设VR/AR头显整机研发中心及智能化生产线",
            60000,
            0.8,
            True,
        ),
        ("{brand}光学模组扩产项目", "39", "建设Pancake光学模组及镜片生产线", 45000, 0.9, True),
        ("{brand}Micro-OLED微显示模组项目", "39", "建设硅基微显示模组研发及生产线", 80000, 1.0, True),
        ("{brand}XR内容制作基地项目", "65", "建设XR内容创作、动作捕捉及渲染制作基地", 20000, 0.6, False),
        ("{brand}空间计算研发中心项目", "65", "建设空间计算操作系统及开发工具研发中心", 25000, 0.6, False),
        ("{brand}数字人与虚拟制作基地项目", "87", "建设数字人、虚拟拍摄棚及后期制作平台", 18000, 0.6, False),
        (
            "{brand}虚拟现实行业应用创新中心项目",
            "65",
            "建设面向工业、教育、医疗的虚拟现实应用研发平台",
            15000,
            0.5,
            False,
        ),
        ("{brand}近眼显示光学研发中心项目", "73", "建设近眼显示光学设计及检测研发中心", 22000, 0.7, False),
    ],
    "ai": [
        (
            "{brand}机器视觉检测装备研发生产项目",
            "34",
            "建设机器视觉检测装备研发中心及装配线",
            40000,
            0.8,
            True,
        ),
        ("{brand}智能机器人研发制造项目", "34", "建设服务机器人、协作机器人研发及生产基地", 55000, 0.8, True),
        ("{brand}大模型行业应用平台项目", "65", "建设行业大模型训练、推理及应用开发平台", 30000, None, False),
        (
            "{brand}人工智能创新应用中心项目",
            "65",
            "建设人工智能算法研发及场景应用创新中心",
            25000,
            0.6,
            False,
        ),
        ("{brand}智能传感器研发生产项目", "39", "建设智能传感器研发中心及生产线", 35000, 0.9, True),
        ("{brand}工业互联网平台项目", "64", "建设工业互联网标识解析及设备上云平台", 18000, None, False),
        ("{brand}智能语音研发中心项目", "65", "建设智能语音识别与人机交互研发中心", 15000, 0.5, False),
        ("{brand}无人机研发制造项目", "37", "建设工业级无人机研发、总装及测试基地", 42000, 0.8, True),
    ],
    "software": [
        ("{brand}软件研发中心项目", "65", "建设软件研发、测试及交付中心", 20000, 0.5, False),
        (
            "{brand}工业软件研发基地项目",
            "65",
            "建设研发设计类、生产控制类工业软件研发基地",
            30000,
            0.6,
            False,
        ),
        ("{brand}信创适配验证中心项目", "65", "建设信创产品适配验证及测试认证平台", 15000, 0.5, False),
        ("{brand}数据要素流通平台项目", "64", "建设公共数据授权运营及数据交易服务平台", 12000, None, False),
        ("{brand}云计算数据中心项目", "65", "建设绿色云计算数据中心，部署机柜约3000个", 90000, 1.2, True),
        (
            "{brand}网络安全产业基地项目",
            "65",
            "建设网络安全攻防实验室、安全运营中心及孵化空间",
            25000,
            0.6,
            False,
        ),
        ("{brand}区域研发总部项目", "65", "建设软件和信息技术服务区域研发总部", 45000, 0.7, False),
        (
            "{brand}智慧城市软件研发项目",
            "65",
            "建设城市信息模型及智慧城市应用软件研发中心",
            16000,
            0.5,
            False,
        ),
    ],
    "ic": [
        ("{brand}集成电路设计中心项目", "65", "建设芯片设计、验证及EDA平台", 30000, 0.6, False),
        (
            "{brand}功率半导体器件研发生产项目",
            "39",
            "建设功率半导体器件研发及封装测试生产线",
            90000,
            1.2,
            True,
        ),
        ("{brand}MEMS芯片封装测试项目", "39", "建设MEMS芯片封装测试生产线", 70000, 1.1, True),
        ("{brand}第三代半导体研发中心项目", "73", "建设碳化硅、氮化镓器件研发及中试平台", 50000, 1.0, True),
        ("{brand}光电子器件生产项目", "39", "建设光通信器件及模块生产线", 45000, 1.0, True),
        ("{brand}芯片测试验证平台项目", "74", "建设芯片可靠性测试及失效分析公共服务平台", 20000, 0.8, False),
    ],
    "biomed": [
        ("{brand}创新药研发中心项目", "73", "建设创新药研发实验室及中试车间", 40000, 1.0, True),
        ("{brand}海洋生物医药研发基地项目", "27", "建设海洋生物医药研发及产业化基地", 60000, 1.0, True),
        ("{brand}高端医疗器械研发生产项目", "35", "建设高端医疗器械研发中心及洁净生产车间", 45000, 0.9, True),
        ("{brand}体外诊断试剂研发生产项目", "27", "建设体外诊断试剂研发及GMP生产线", 30000, 0.9, True),
        ("{brand}细胞治疗研发中心项目", "73", "建设细胞治疗研发及GMP制备平台", 35000, 1.2, False),
        ("{brand}生物医药中试基地项目", "73", "建设生物医药公共中试平台及标准厂房", 50000, 0.9, True),
        ("{brand}康复辅具研发生产项目", "35", "建设智能康复辅具研发及生产线", 20000, 0.7, True),
    ],
    "finance": [
        ("{brand}金融总部大厦项目", "70", "建设金融机构总部办公楼宇", 150000, 1.4, True),
        ("{brand}财富管理中心项目", "67", "建设财富管理机构集聚载体及配套服务设施", 80000, 1.3, False),
        ("{brand}金融科技创新中心项目", "69", "建设金融科技研发及场景创新中心", 40000, 0.9, False),
        ("{brand}保险后援中心项目", "68", "建设保险数据处理及客户服务后援中心", 60000, 1.1, True),
        ("{brand}资产管理中心项目", "67", "建设资产管理机构办公及交易服务中心", 50000, 1.2, False),
    ],
    "tourism": [
        ("{place}文旅综合体项目", "88", "建设文化演艺、主题商业及休闲度假设施", 80000, 1.0, True),
        ("{place}精品度假酒店项目", "61", "建设精品度假酒店，客房约200间", 60000, 1.3, True),
        ("{place}滨海旅游度假区提升项目", "78", "提升滨海步道、游客服务设施及景观环境", 30000, None, True),
        ("{place}崂山茶文化产业园项目", "15", "建设茶叶精深加工、茶文化展示及体验设施", 20000, 0.6, True),
        ("{place}文创街区项目", "88", "改造提升历史建筑，建设文创商业街区", 25000, 0.9, False),
        ("{brand}影视制作基地项目", "87", "建设影视拍摄棚、后期制作及配套设施", 50000, 0.8, True),
        ("{place}夜间文旅消费街区项目", "90", "建设夜间文旅消费集聚区及灯光、演艺设施", 15000, None, False),
        ("{place}户外运动营地项目", "89", "建设山地户外运动营地及配套服务设施", 12000, None, True),
    ],
    None: [
        ("{brand}总部大厦项目", "72", "建设企业总部办公楼宇", 90000, 1.2, True),
        ("{place}商业综合体项目", "52", "建设集购物、餐饮、娱乐于一体的商业综合体", 120000, 1.1, True),
        (
            "{place}“工业上楼”标准厂房项目",
            "70",
            "建设适合研发、轻生产的高标准厂房（“工业上楼”）",
            60000,
            0.6,
            True,
        ),
        ("{brand}科技企业孵化器项目", "75", "建设科技企业孵化器及加速器", 25000, 0.6, False),
        ("{place}人才创新创业基地项目", "75", "建设人才创新创业载体及配套服务设施", 30000, 0.7, False),
        ("{brand}跨境电商产业园项目", "52", "建设跨境电商运营中心及海外仓服务平台", 20000, 0.6, False),
    ],
}
CHAIN_WEIGHTS: dict[str | None, int] = {
    "vr": 20, "ai": 18, "software": 17, "ic": 12, "biomed": 15, "finance": 10, "tourism": 14, None: 10,
}  # fmt: skip
CHAIN_UNITS: dict[str | None, list[str]] = {
    "vr": ["GXJ", "GXJ", "KJJ", "TCZX", "KCJT", "ZHJD", "YQZX"],
    "ai": ["GXJ", "KJJ", "KJJ", "TCZX", "KCJT", "JJLJD", "YQZX"],
    "software": ["GXJ", "GXJ", "KJJ", "SWJ", "TCZX", "JJLJD"],
    "ic": ["GXJ", "KJJ", "TCZX", "YQZX", "ZHJD"],
    "biomed": ["KJJ", "KJJ", "GXJ", "TCZX", "YQZX", "SZKJD"],
    "finance": ["JRZX", "JRZX", "FGJ", "JJLJD"],
    "tourism": ["WLJ", "WLJ", "WLJT", "WGZJD", "SZKJD", "BZJD", "NYNC"],
    None: ["SWJ", "TCZX", "FGJ", "JJLJD", "ZHJD"],
}  # fmt: skip
# Urban renewal happens mostly in the built-up streets.
CATEGORY_STREETS: dict[str, dict[str, int]] = {"urban_renewal": {ZH: 40, JJL: 30, SZK: 20, WGZ: 5, BZ: 5}}
# Technology and finance sit in the built-up south and west; tourism in the hills and bays.
_TECH_STREETS = {ZH: 45, JJL: 40, SZK: 15}
CHAIN_STREETS: dict[str | None, dict[str, int]] = {
    "vr": _TECH_STREETS,
    "ai": _TECH_STREETS,
    "software": _TECH_STREETS,
    "ic": _TECH_STREETS,
    None: _TECH_STREETS,
    "tourism": {WGZ: 30, SZK: 25, BZ: 20, JJL: 15, ZH: 10},
    "biomed": {SZK: 35, ZH: 30, JJL: 35},
    "finance": {JJL: 90, ZH: 10},
}

# Public projects: (name pattern, industry codes, content pattern, median 万元, cost/㎡, land, units)
PublicSubject = tuple[str, str, str, int, float | None, bool, list[str]]
PUBLIC_SUBJECTS: dict[str, list[PublicSubject]] = {
    "urban_renewal": [
        (
            "{place}片区城市更新项目",
            "70",
            "实施片区拆迁安置、土地整理及配套设施建设",
            260000,
            1.0,
            True,
            ["GXZHB", "CFJT", "STREET"],
        ),
        (
            "{place}老旧小区改造工程",
            "47",
            "改造老旧小区，实施屋面防水、管网更新、加装电梯及环境整治",
            12000,
            None,
            False,
            ["ZJJ", "STREET"],
        ),
        ("{place}安置房建设项目", "70", "建设回迁安置住房及配套设施", 150000, 0.9, True, ["GXZHB", "CFJT"]),
        (
            "{place}城中村改造项目",
            "70",
            "实施城中村拆除重建及基础设施配套",
            200000,
            1.0,
            True,
            ["GXZHB", "CFJT", "STREET"],
        ),
        (
            "{place}街区微更新工程",
            "78",
            "实施街区立面整治、口袋公园及公共空间微更新",
            4000,
            None,
            False,
            ["CGJ", "STREET"],
        ),
        ("{place}人才公寓项目", "70", "建设人才公寓及配套服务设施", 60000, 0.8, True, ["ZJJ", "CFJT"]),
        (
            "{place}农贸市场提升改造项目",
            "78",
            "改造提升农贸市场及周边环境",
            3500,
            0.5,
            False,
            ["CGJ", "STREET"],
        ),
        (
            "{road}沿线城市风貌提升工程",
            "78",
            "实施沿街建筑立面、夜景亮化及景观提升",
            8000,
            None,
            False,
            ["CGJ", "GXZHB"],
        ),
        (
            "{place}社区配套服务中心项目",
            "78",
            "建设社区综合服务及商业配套设施",
            15000,
            0.6,
            True,
            ["ZJJ", "STREET"],
        ),
    ],
    "livelihood": [
        ("崂山区{place}幼儿园项目", "83", "新建幼儿园，设置12个班", 7000, 0.7, True, ["JYTY"]),
        (
            "{place}社区卫生服务中心项目",
            "84",
            "建设社区卫生服务中心及医养结合设施",
            6000,
            0.8,
            False,
            ["WJJ"],
        ),
        (
            "{place}养老服务中心项目",
            "85",
            "建设街道综合养老服务中心，设置床位约200张",
            12000,
            0.7,
            True,
            ["MZJ"],
        ),
        ("{place}全民健身中心项目", "89", "建设全民健身中心及室外运动场地", 15000, 0.7, True, ["JYTY"]),
        (
            "{place}社区文化中心项目",
            "88",
            "建设社区文化活动中心及图书分馆",
            5000,
            0.6,
            False,
            ["WLJ", "STREET"],
        ),
        ("{place}体育公园项目", "89", "建设体育公园、健身步道及球类场地", 9000, None, True, ["JYTY", "CGJ"]),
        ("{place}托育服务中心项目", "85", "建设普惠性托育服务中心", 3000, 0.6, False, ["WJJ", "STREET"]),
        ("{place}便民服务中心项目", "80", "建设社区党群及便民服务中心", 4000, 0.6, False, ["STREET"]),
        ("{place}公租房项目", "70", "建设公共租赁住房及配套设施", 40000, 0.7, True, ["ZJJ"]),
    ],
    "infrastructure": [
        (
            "{place}片区规划{num}号线道路新建工程",
            "48",
            "新建城市道路，同步建设雨污水管线、照明及绿化",
            25000,
            None,
            True,
            ["JTJ", "CFJT"],
        ),
        ("{road}拓宽改造工程", "48", "拓宽改造道路，完善交通设施及附属管线", 12000, None, False, ["JTJ"]),
        ("{place}雨污分流改造工程", "46", "实施雨污分流管网改造", 8000, None, False, ["SWUJ", "STREET"]),
        ("{place}供水管网改造工程", "46", "改造老旧供水管网及加压泵站", 6000, None, False, ["SWUJ"]),
        ("{place}公共停车场项目", "78", "建设立体公共停车场，泊位约500个", 15000, 0.4, True, ["JTJ", "CFJT"]),
        (
            "{place}污水处理厂扩建工程",
            "46",
            "扩建污水处理设施，新增处理能力2万吨/日",
            30000,
            None,
            True,
            ["SWUJ"],
        ),
        (
            "{place}河道综合整治工程",
            "77",
            "实施河道清淤、护岸加固及生态修复",
            10000,
            None,
            False,
            ["SWUJ", "STHJ"],
        ),
        ("{place}110千伏输变电工程", "44", "新建110千伏变电站及配套线路", 15000, None, True, ["FGJ"]),
        ("{place}燃气管网改造工程", "45", "改造老旧燃气管网及调压设施", 5000, None, False, ["CGJ"]),
        (
            "{place}山洪沟治理工程",
            "77",
            "实施山洪沟清淤、护坡及防洪设施建设",
            4000,
            None,
            False,
            ["SWUJ", "STREET"],
        ),
        ("{place}公交首末站项目", "54", "建设公交首末站及新能源充电设施", 5000, 0.5, True, ["JTJ"]),
        ("{place}新能源汽车充电基础设施项目", "44", "建设公共充电站及换电设施", 6000, None, False, ["FGJ"]),
        ("{place}生态修复工程", "77", "实施矿山及山体生态修复", 7000, None, False, ["ZRZY", "STHJ"]),
    ],
}

# Invented two-character enterprise brands (any likeness to a real company is coincidence).
BRANDS = [
    "海岳", "澜图", "云岫", "峰汇", "砺行", "拓澜", "星汉", "鲲瀚", "瀚思", "睿景", "智岳", "崂芯", "海芯",
    "瑞泽", "远帆", "启衡", "青禾", "蓝湾", "东岬", "海澄", "鼎钧", "晟源", "聚点", "微纳", "元象", "若谷",
    "光合", "观澜", "凌云", "海曜", "辰光", "瀚海", "岳麓", "崂峰", "知微", "衡晟", "山海", "云帆", "宏澜",
    "朗域", "泽远", "昊天", "铭晟", "沐澜", "峻岭", "澄明", "新澜", "汇川", "潮汐", "星澄", "弘岳", "青鹭",
]  # fmt: skip
BRAND_SUFFIX = {
    "vr": "科技", "ai": "智能科技", "software": "信息技术", "ic": "微电子", "biomed": "生物科技",
    "finance": "投资", "tourism": "文化旅游", None: "实业",
}  # fmt: skip

# Content for the group projects that share a kind of work.
GROUP_CONTENT: dict[str, tuple[str, str, float | None, bool]] = {
    "school": ("83", "新建（改扩建）学校，新增优质学位约1800个", 0.8, True),
    "housing": ("70", "建设人才住房约1000套及配套设施", 0.75, True),
    "compute": ("65", "建设人工智能算力中心，形成智能算力约500PFlops，配套建设算力调度服务平台", 1.3, True),
    "river": ("77", "实施九水河道清淤、生态护岸及滨水步道建设", None, False),
    "bnb": ("61", "改造提升闲置农房，建设精品民宿集群及配套服务设施", 0.6, False),
    "rural_road": ("48", "提升旅游道路约8公里，完善停车、驿站及标识系统", None, False),
    "village": ("78", "实施村庄立面改造、道路硬化、绿化亮化及公共空间提升", None, False),
    "trail": ("78", "建设滨海步道约6公里及观景平台、休憩驿站", None, False),
    "tea": ("15", "建设崂山茶种植示范、加工展示及茶文化体验设施", 0.6, True),
    "sewer": ("46", "完善村庄污水收集管网及处理设施", None, False),
    "visitor": ("78", "建设游客服务中心、生态停车场及智慧导览系统", 0.7, True),
    "coast": ("77", "实施海岸带整治修复、岸线生态化改造及景观提升", None, False),
    "renewal_area": ("70", "实施片区征收拆迁、安置房建设、土地整理及道路、学校等配套设施建设", 1.0, True),
    "finance_tower": ("70", "建设国际金融中心超高层楼宇及配套商业，集聚金融机构总部", 1.5, True),
    "park_core": ("72", "建设人工智能产业园核心区研发办公、算力服务、人才公寓及配套设施", 1.0, True),
}
