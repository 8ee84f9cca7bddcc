"""Chinese labels for everything the outputs show: flag kinds, severities, fact types, units, roles,
statuses, section kinds, error kinds, problem phases and the problem taxonomy.

The taxonomy's labels come from ``data/taxonomy.toml`` (the classifier's own source of truth), so a
category added there appears in every output without touching this module.

>>> category_label("pipelines"), flag_kind_label("ledger_mismatch"), severity_label("error")
('管网管线', '与台账不一致', '错误')
>>> fact_type_header("area"), unit_label("m2"), role_label("central_subsidy")
('面积（m²）', 'm²', '中央补助')
>>> category_label("no_such_code")
'no_such_code'
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

TAXONOMY_FILE = Path(__file__).resolve().parent.parent / "data" / "taxonomy.toml"

# DESIGN.md's table: the fallback when data/taxonomy.toml is missing or unreadable.
_TAXONOMY_FALLBACK = {
    "building": "房屋本体", "pipelines": "管网管线", "roads_parking": "道路停车与充电",
    "environment": "环境绿化与违建", "safety": "消防安防与照明", "public_services": "公共服务配套",
    "elevator_aging": "加装电梯与适老化无障碍", "property_mgmt": "物业与长效管理", "quality": "工程质量",
    "schedule": "工程进度", "disturbance": "施工扰民", "residents": "居民意愿参与与满意度",
    "funding_gap": "资金筹措不足", "funding_use": "资金管理使用", "coordination": "部门协同与专营单位配合",
    "standards_policy": "改造标准与政策机制", "scope_data": "底数认定与台账数据",
    "compliance": "项目管理与程序合规", "other": "其他",
}

SEVERITIES = ("error", "warning", "info")
SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}

FLAG_KIND = {
    "breakdown_sum": "分项之和与合计不符",
    "part_exceeds_whole": "部分大于整体",
    "percent_mismatch": "百分比与数量不符",
    "date_order": "时间顺序矛盾",
    "progress_exceeds_plan": "完成量超过计划",
    "intra_doc_conflict": "同一文件前后不一",  # a report, or the ledger itself (duplicates, status vs figures)
    "cross_doc_conflict": "不同报告说法不一",
    "ledger_mismatch": "与台账不一致",
    "ledger_missing": "台账中未找到",
    "policy_build_year": "不符合改造政策范围",  # the build year, the 2001–2005 share, types outside the programme
    "plausibility": "数值明显不合理",
    "placeholder": "未填写的模板数字",
}

FACT_TYPE = {"households": "户数", "area": "面积", "investment": "投资", "buildings": "楼栋数",
             "communities": "小区数", "date": "日期", "percent": "比例"}
UNIT = {"户": "户", "m2": "m²", "万元": "万元", "栋": "栋", "个": "个", "%": "%"}
# The unit each fact type is stored in (the contract's canonical units).
FACT_UNIT = {"households": "户", "area": "m2", "investment": "万元", "buildings": "栋",
             "communities": "个", "percent": "%"}

ROLE = {"total": "总计", "self_raised": "企业自筹", "central_subsidy": "中央补助", "local_fiscal": "地方财政",
        "resident": "居民出资", "social_capital": "社会资本", "completed": "已完成", "building": "建筑面积",
        "land": "占地面积", "renovated": "改造面积", "start": "开工", "completion": "完工", "as_of": "截至",
        "built": "建成", "other": "其他"}
STATUS = {"planned": "计划", "started": "已开工", "completed": "已完成", "implemented": "实施"}
APPROX = {"约": "约", "近": "近", "余": "余", "多": "多", "超过": "超过", "以上": "以上", "左右": "左右"}

SECTION_KIND = {"basic": "基本情况", "pre_condition": "改造前状况", "content": "改造内容", "progress": "进展情况",
                "measures": "主要做法", "problems": "存在问题", "next_steps": "下一步工作", "suggestions": "意见建议",
                "rectification": "整改情况", "other": "其他"}
PHASE = {"pre_condition": "改造前", "implementation": "实施中", "post_renovation": "改造后"}
ERROR_KIND = {"unreadable": "无法读取", "encrypted": "文件加密", "empty": "空文件", "unsupported": "格式不支持",
              "no_text": "无文字内容", "too_large": "文件过大", "timeout": "处理超时"}
STATUS_OK = {"ok": "成功", "error": "失败"}


# Flag ``field`` values: fact types plus the ledger-only fields the checks name.
FIELD = {**FACT_TYPE, "built_year": "建成年份", "building_area": "建筑面积", "investment_total": "总投资",
         "n_buildings": "楼栋数", "n_communities": "小区数", "start": "开工时间", "completion": "完工时间"}


def _label(table: dict[str, str], code: str | None, empty: str = "") -> str:
    if code is None or code == "":
        return empty
    return table.get(code, code)


@lru_cache(maxsize=1)
def taxonomy() -> dict[str, str]:
    """Category code → Chinese label, in the order of the taxonomy file."""
    try:
        with open(TAXONOMY_FILE, "rb") as fh:
            data = tomllib.load(fh)
        found = {c["id"]: c["label"] for c in data.get("category", []) if c.get("id") and c.get("label")}
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError):
        found = {}
    return found or dict(_TAXONOMY_FALLBACK)


def category_label(code: str) -> str:
    return _label(taxonomy(), code)


def category_order(code: str) -> int:
    codes = list(taxonomy())
    return codes.index(code) if code in codes else len(codes)


def flag_kind_label(kind: str) -> str:
    return _label(FLAG_KIND, kind)


def severity_label(severity: str) -> str:
    return _label(SEVERITY, severity)


def severity_rank(severity: str) -> int:
    return SEVERITY_RANK.get(severity, len(SEVERITY_RANK))


def fact_type_label(ftype: str) -> str:
    return _label(FACT_TYPE, ftype)


def field_label(name: str | None) -> str:
    if name and name not in FIELD:  # a field only the ledger's own checks name: its first header synonym
        from ..ledger import _field_label

        return _field_label(name)
    return _label(FIELD, name)


def unit_label(unit: str | None) -> str:
    return _label(UNIT, unit)


def fact_type_header(ftype: str) -> str:
    """Column header naming the type and its unit: ``面积（m²）``; dates have no unit."""
    unit = FACT_UNIT.get(ftype)
    return f"{fact_type_label(ftype)}（{unit_label(unit)}）" if unit else fact_type_label(ftype)


def role_label(role: str | None) -> str:
    return _label(ROLE, role)


def status_label(status: str | None) -> str:
    return _label(STATUS, status)


def section_kind_label(kind: str | None) -> str:
    return _label(SECTION_KIND, kind)


def phase_label(phase: str | None) -> str:
    return _label(PHASE, phase)


def error_kind_label(kind: str | None) -> str:
    return _label(ERROR_KIND, kind)


def subject_label(subject: str | None) -> str:
    return "总体" if subject in (None, "", "aggregate") else subject
