"""`hotline kb import`: JSON and XLSX national-database exports, bad records, idempotency."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from typer.testing import CliRunner

from knowledge_base.importer import (
    ImportFileError,
    import_file,
    parse_amount,
    parse_documents,
    parse_fees,
    parse_level,
    parse_processing_days,
    parse_steps,
)
from knowledge_base.loader import load_knowledge_base

HEADERS = [
    "STT",
    "Mã thủ tục",
    "Tên thủ tục",
    "Lĩnh vực",
    "Cấp thực hiện",
    "Cơ quan thực hiện",
    "Trình tự thực hiện",
    "Cách thức thực hiện",
    "Thành phần hồ sơ",
    "Thời hạn giải quyết",
    "Phí, lệ phí",
    "Căn cứ pháp lý",
    "Yêu cầu, điều kiện",
    "Kết quả thực hiện",
    "Đối tượng thực hiện",
]


def portal_record(code: str, name: str, **overrides) -> dict:
    record = {
        "Mã thủ tục": code,
        "Tên thủ tục": name,
        "Lĩnh vực": "Thủy lợi",
        "Cấp thực hiện": "Cấp Tỉnh",
        "Cơ quan thực hiện": "Sở Nông nghiệp và Phát triển nông thôn",
        "Trình tự thực hiện": "Bước 1: Nộp hồ sơ tại Trung tâm Phục vụ hành chính công.\nBước 2: Thẩm định.\n"
        "Bước 3: Trả kết quả.",
        "Cách thức thực hiện": "Trực tiếp\nTrực tuyến\nDịch vụ bưu chính",
        "Thành phần hồ sơ": "Đơn đề nghị (01 bản chính)\nBản sao giấy đăng ký kinh doanh (01 bản sao)",
        "Thời hạn giải quyết": "07 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
        "Phí, lệ phí": "Phí thẩm định: 1.500.000 đồng/hồ sơ",
        "Căn cứ pháp lý": "Luật Thủy lợi 2017\nNghị định 67/2018/NĐ-CP",
        "Yêu cầu, điều kiện": "Không",
        "Kết quả thực hiện": "Giấy phép",
        "Đối tượng thực hiện": "Tổ chức; Cá nhân",
    }
    record.update(overrides)
    return record


def write_json(path, records):
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def test_json_import_counts_invalid_and_idempotent(make_settings, tmp_path):
    settings = make_settings()
    before = load_knowledge_base(settings).content_hash()
    records = [
        portal_record("2.900001", "Cấp giấy phép hoạt động thủy lợi thử nghiệm"),
        # our own field names are accepted too
        {
            "code": "2.900002",
            "name": "Thủ tục ghi bằng tên trường nội bộ",
            "field": "Thủy lợi",
            "level": "tỉnh",
            "agency": "Sở Nông nghiệp",
            "agency_code": "SNNPTNT",
            "steps": ["Nộp", "Nhận"],
            "submission_channels": ["truc_tiep"],
            "processing_time": "Trong ngày",
            "aliases": ["thủ tục nội bộ"],
        },
        portal_record("2.900003", "Thiếu trình tự", **{"Trình tự thực hiện": ""}),
        portal_record("2.900004", "Cách nộp lạ", **{"Cách thức thực hiện": "Fax"}),
        portal_record("", "Không có mã"),
        portal_record("2.900001", "Trùng mã trong cùng tệp"),
        {
            "code": "2.900005",
            "name": "Cơ quan không tồn tại",
            "field": "Thủy lợi",
            "level": "tỉnh",
            "agency": "Sở X",
            "agency_code": "NO_SUCH",
            "steps": ["Nộp"],
            "submission_channels": ["truc_tiep"],
            "processing_time": "01 ngày làm việc",
        },
        "không phải đối tượng",
    ]
    path = write_json(tmp_path / "export.json", records)
    result = import_file(path, settings)
    assert (result.new, result.updated, result.unchanged) == (2, 0, 0)
    reasons = {inv.where: inv for inv in result.invalid}
    assert set(reasons) == {"bản ghi #3", "bản ghi #4", "bản ghi #5", "bản ghi #6", "bản ghi #7", "bản ghi #8"}
    assert "steps" in reasons["bản ghi #3"].reason
    assert "submission_channels" in reasons["bản ghi #4"].reason
    assert "thiếu mã" in reasons["bản ghi #5"].reason
    assert "bản ghi #1" in reasons["bản ghi #6"].reason
    assert "NO_SUCH" in reasons["bản ghi #7"].reason

    kb = load_knowledge_base(settings)
    assert kb.content_hash() != before
    imported = kb.procedure("2.900001")
    assert imported.level == "tỉnh"
    assert imported.processing_days == 7
    assert imported.fees[0].amount_vnd == 1_500_000
    assert [d.originals for d in imported.documents] == [1, 0]
    assert [d.copies for d in imported.documents] == [0, 1]
    assert imported.submission_channels == ["truc_tiep", "truc_tuyen", "buu_chinh"]
    assert len(imported.steps) == 3 and imported.target_users == ["Tổ chức", "Cá nhân"]
    assert kb.procedure("2.900002").processing_days == 1

    again = import_file(path, settings)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    assert len(again.invalid) == 6
    assert load_knowledge_base(settings).content_hash() == kb.content_hash()

    records[0] = portal_record(
        "2.900001", "Cấp giấy phép hoạt động thủy lợi thử nghiệm", **{"Thời hạn giải quyết": "10 ngày làm việc"}
    )
    write_json(path, records)
    changed = import_file(path, settings)
    assert (changed.new, changed.updated, changed.unchanged) == (0, 1, 1)
    assert load_knowledge_base(settings).procedure("2.900001").processing_days == 10


def test_import_updates_a_seed_procedure(make_settings, tmp_path, seed_kb):
    settings = make_settings()
    birth = seed_kb.procedure("1.001193").model_dump(mode="json")
    birth["processing_time"] = "Ngay trong ngày (cập nhật)"
    result = import_file(write_json(tmp_path / "one.json", [birth]), settings)
    assert (result.new, result.updated) == (0, 1)
    kb = load_knowledge_base(settings)
    assert kb.procedure("1.001193").processing_time == "Ngay trong ngày (cập nhật)"
    assert len(kb.procedures) == len(seed_kb.procedures)


def test_json_wrapped_in_object(make_settings, tmp_path):
    path = tmp_path / "wrapped.json"
    path.write_text(
        json.dumps({"data": [portal_record("2.900010", "Thủ tục trong trường data")]}, ensure_ascii=False),
        encoding="utf-8",
    )
    assert import_file(path, make_settings()).new == 1


def test_xlsx_import_with_portal_headers(make_settings, tmp_path):
    settings = make_settings()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH MỤC THỦ TỤC HÀNH CHÍNH XUẤT TỪ CSDL QUỐC GIA"])  # title row above the header
    sheet.append(HEADERS)
    good = portal_record("2.900020", "Thủ tục nhập từ Excel")
    sheet.append([1] + [good[h] for h in HEADERS[1:]])
    bad = portal_record("2.900021", "Excel thiếu thời hạn", **{"Thời hạn giải quyết": None})
    sheet.append([2] + [bad[h] for h in HEADERS[1:]])
    sheet.append([None] * len(HEADERS))  # blank row is skipped, not reported
    level = portal_record("2.900022", "Thủ tục nhiều cấp", **{"Cấp thực hiện": "Cấp Huyện, Cấp Xã"})
    sheet.append([3] + [level[h] for h in HEADERS[1:]])
    path = tmp_path / "export.xlsx"
    workbook.save(path)

    result = import_file(path, settings)
    assert (result.new, result.updated) == (2, 0)
    assert [(inv.where, inv.code) for inv in result.invalid] == [("dòng 4", "2.900021")]
    assert "processing_time" in result.invalid[0].reason
    kb = load_knowledge_base(settings)
    assert kb.procedure("2.900020").fees[0].amount_vnd == 1_500_000
    assert kb.procedure("2.900022").level == "huyện, xã"

    again = import_file(path, settings)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)


def test_unreadable_files(make_settings, tmp_path):
    settings = make_settings()
    with pytest.raises(ImportFileError):
        import_file(tmp_path / "missing.json", settings)
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    with pytest.raises(ImportFileError, match="JSON"):
        import_file(broken, settings)
    fake_xlsx = tmp_path / "fake.xlsx"
    fake_xlsx.write_text("not a zip", encoding="utf-8")
    with pytest.raises(ImportFileError):
        import_file(fake_xlsx, settings)
    no_header = tmp_path / "noheader.xlsx"
    workbook = Workbook()
    workbook.active.append(["a", "b"])
    workbook.save(no_header)
    with pytest.raises(ImportFileError, match="tiêu đề"):
        import_file(no_header, settings)
    with pytest.raises(ImportFileError, match="không hỗ trợ"):
        import_file(broken.rename(tmp_path / "export.csv"), settings)


def test_cli_import_exit_codes_and_output(tmp_path, monkeypatch):
    from common.settings import get_settings
    from knowledge_base.cli import kb_app

    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("HOTLINE_KB_DIR", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        path = write_json(
            tmp_path / "e.json", [portal_record("2.900030", "Thủ tục qua dòng lệnh"), portal_record("2.900031", "x")]
        )
        first = runner.invoke(kb_app, ["import", str(path)])
        assert first.exit_code == 0, first.output
        assert "Mới: 1, cập nhật: 0" in first.output and "không hợp lệ: 1" in first.output
        assert "bản ghi #2 (mã 2.900031)" in first.output
        second = runner.invoke(kb_app, ["import", str(path)])
        assert "Mới: 0, cập nhật: 0" in second.output
        missing = runner.invoke(kb_app, ["import", str(tmp_path / "nope.json")])
        assert missing.exit_code != 0
        check = runner.invoke(kb_app, ["check"])
        assert check.exit_code == 0 and "Thủ tục:" in check.output
    finally:
        get_settings.cache_clear()


# --- pure parsers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, days",
    [
        ("05 ngày làm việc", 5),
        ("Trong thời hạn 15 ngày làm việc kể từ ngày nhận đủ hồ sơ", 15),
        ("Ngay trong ngày tiếp nhận hồ sơ", 1),
        ("04 giờ làm việc", 0.5),
        ("30 ngày", None),
        ("", None),
    ],
)
def test_parse_processing_days(text, days):
    assert parse_processing_days(text) == days


@given(st.integers(min_value=0, max_value=10**9))
def test_parse_amount_roundtrip(amount):
    dotted = f"{amount:,}".replace(",", ".")
    assert parse_amount(f"Lệ phí: {dotted} đồng/lần") == amount
    assert parse_amount(f"{amount}đ") == amount


def test_parse_fees_and_documents_and_steps():
    assert parse_fees("Không") == ([], "Không")
    fees, note = parse_fees("Lệ phí: 50.000 đồng\nPhí thẩm định: Theo quy định của HĐND tỉnh")
    assert note == "" and [f["amount_vnd"] for f in fees] == [50000, None]
    docs = parse_documents("Tờ khai (01 bản chính)\nGiấy khai sinh (01 bản chính, 02 bản sao)\nBản sao CCCD")
    assert [(d["originals"], d["copies"]) for d in docs] == [(1, 0), (1, 2), (0, 1)]
    assert parse_steps("Bước 1: Nộp. Bước 2: Nhận.") == ["Bước 1: Nộp.", "Bước 2: Nhận."]
    assert parse_level("Cấp Tỉnh") == "tỉnh"
