"""One crawl record -> Procedure field values and the problems met, field by field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from knowledge_base.crawl.channels import (
    channels_of,
    fees_of,
    parse_channel_rows,
    processing_days_of,
    processing_time_text,
)
from knowledge_base.crawl.documents import parse_documents
from knowledge_base.crawl.fields import (
    agency_from_text,
    online_level_of,
    parse_conditions,
    parse_level,
    parse_result,
    split_top_level,
)
from knowledge_base.crawl.legal import parse_legal_basis
from knowledge_base.crawl.steps import parse_steps
from knowledge_base.crawl.text import NO_INFO, _blank, _nfc, _squash

SOURCE_NAME = "CSDL quốc gia về TTHC"
DEFAULT_VERIFIED_ON = date(2026, 6, 10)  # data commit of the crawl (see ../shared/tthc/README.md)
UNKNOWN_AGENCY = "Chưa ghi cơ quan thực hiện (xem trang thủ tục trên Cổng Dịch vụ công quốc gia)"


def is_crawl_record(record: Any) -> bool:
    return isinstance(record, dict) and "ma_thu_tuc" in record


@dataclass
class CrawlParse:
    data: dict[str, Any]  # Procedure fields (not yet validated)
    problems: dict[str, str] = field(default_factory=dict)  # field -> what could not be parsed


def parse_crawl_record(record: dict[str, Any], verified_on: date = DEFAULT_VERIFIED_ON) -> CrawlParse:
    """One crawl record -> Procedure field values and the problems met, field by field."""
    get = lambda key: _nfc(record.get(key, "")).strip()  # noqa: E731
    problems: dict[str, str] = {}
    data: dict[str, Any] = {
        "code": get("ma_thu_tuc"),
        "name": _squash(get("ten_thu_tuc")),
        "field": _squash(get("linh_vuc")),
        "national_code": True,
    }
    for field_name in ("name", "field"):
        if not data[field_name]:
            problems[field_name] = "không có trong nguồn"

    data["level"] = parse_level(get("cap_thuc_hien"))
    if not data["level"]:
        problems["level"] = "không có trong nguồn"

    agency = next((_squash(get(k)) for k in ("co_quan_thuc_hien", "co_quan_co_tham_quyen") if not _blank(get(k))), "")
    if not agency:
        agency = agency_from_text(get("trinh_tu_thuc_hien")) or ""
        problems["agency"] = "suy ra từ trình tự thực hiện" if agency else "không có trong nguồn"
    data["agency"] = agency or UNKNOWN_AGENCY

    data["target_users"] = [] if _blank(get("doi_tuong_thuc_hien")) else split_top_level(get("doi_tuong_thuc_hien"))

    data["steps"] = parse_steps(get("trinh_tu_thuc_hien"))
    if not data["steps"]:
        problems["steps"] = "không có trong nguồn"

    rows = parse_channel_rows(get("cach_thuc_thuc_hien"))
    data["submission_channels"] = channels_of(rows)
    if not rows:
        problems["submission_channels"] = "không đọc được bảng cách thức thực hiện"
    data["processing_time"] = processing_time_text(rows) or NO_INFO
    if data["processing_time"] == NO_INFO:
        problems["processing_time"] = "không có thời hạn trong nguồn"
    days = processing_days_of(rows)
    if days is not None:
        data["processing_days"] = days
    fees, fee_note, fee_problems = fees_of(rows)
    data["fees"], data["fee_note"] = fees, fee_note
    if fee_problems:
        problems["fees"] = "; ".join(fee_problems)

    documents_text = get("thanh_phan_ho_so")
    data["documents"] = parse_documents(documents_text)
    if not data["documents"] and not _blank(documents_text):
        problems["documents"] = 'không tách được giấy tờ (không có "N bản chính")'

    legal, complete = parse_legal_basis(get("can_cu_phap_ly"))
    data["legal_basis"] = legal
    if not complete:
        problems["legal_basis"] = "có đoạn không nhận ra số hiệu văn bản"

    data["result"] = parse_result(get("ket_qua_xu_ly"))
    data["conditions"] = parse_conditions(get("yeu_cau_dieu_kien"))
    where = get("dia_chi_tiep_nhan")
    data["where_to_submit"] = "" if _blank(where) else _squash(where)
    data["online_level"] = online_level_of(
        data["submission_channels"], get("cach_thuc_thuc_hien"), get("trinh_tu_thuc_hien")
    )
    data["provenance"] = {
        "source": SOURCE_NAME,
        "decision": _squash(get("so_quyet_dinh")),
        "url": get("detail_url"),
        "verified_on": verified_on.isoformat(),
    }
    return CrawlParse(data, problems)
