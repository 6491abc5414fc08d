"""Crawl format of the national TTHC database: section parsers, 30 hand-checked records, CLI import."""

from __future__ import annotations

import gzip
import json
import random
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from knowledge_base.crawl import (
    fees_of,
    parse_channel_rows,
    parse_crawl_record,
    parse_documents,
    parse_legal_basis,
    parse_level,
    parse_result,
    parse_steps,
    processing_days_of,
    processing_time_text,
    split_top_level,
)
from knowledge_base.importer import import_file
from knowledge_base.loader import load_knowledge_base
from knowledge_base.models import Procedure

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]
CRAWL = REPO.parent / "shared" / "tthc" / "national_procedures_2026-06.jsonl.gz"
HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"


# --- section parsers --------------------------------------------------------------------------------


def test_channel_table_time_fee_description():
    rows = parse_channel_rows(
        HEADER + "Trực tuyến7 Ngày làm việc10,000 đồngNộp qua cổngTrực tiếp7 Ngày làm việcMiễn phí(Không thu)"
    )
    assert [r.channel for r in rows] == ["truc_tuyen", "truc_tiep"]
    assert [r.time for r in rows] == ["7 ngày làm việc", "7 ngày làm việc"]
    assert rows[0].fee == "10,000 đồng" and rows[0].description == "Nộp qua cổng"
    assert rows[1].fee == "Miễn phí" and rows[1].fee_note == "Không thu"
    assert processing_days_of(rows) == 7
    fees, note, problems = fees_of(rows)
    assert [f["amount_vnd"] for f in fees] == [10000] and "Trực tuyến" in fees[0]["description"]
    assert note.startswith("Miễn phí") and problems == []


def test_calendar_days_and_bare_numbers_are_not_working_days():
    rows = parse_channel_rows(HEADER + "Trực tuyến40 NgàyMiễn phíDịch vụ bưu chính6 Ngày làm việcMiễn phí")
    assert processing_days_of(rows) is None  # one row in calendar days: no working-day number
    assert processing_time_text(rows) == "Trực tuyến: 40 ngày; Dịch vụ bưu chính: 6 ngày làm việc"
    bare = parse_channel_rows(HEADER + "Trực tuyến1Miễn phíTrực tiếp1Miễn phí")
    assert processing_days_of(bare) is None and processing_time_text(bare) == "1 (trang thủ tục không ghi đơn vị)"


def test_bare_time_glued_to_amount_and_amount_slips():
    rows = parse_channel_rows(HEADER + "Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)")
    assert rows[0].time == "1" and rows[0].fee == "20 VNĐ"
    fees, _note, problems = fees_of(rows)
    assert fees[0]["amount_vnd"] == 20000 and problems == []  # the note's amount replaces the slip
    rows = parse_channel_rows(HEADER + "Trực tiếp120 VNĐ")
    fees, _note, problems = fees_of(rows)
    assert fees[0]["amount_vnd"] is None and problems  # unknown, reported, not guessed
    usd = parse_channel_rows(HEADER + "Trực tuyến5 Ngày làm việc10 USD(/lần)")
    fees, _note, problems = fees_of(usd)
    assert fees[0]["amount_vnd"] is None and "10 USD" in fees[0]["description"] and problems == []


def test_documents_counts_groups_and_forms():
    text = (
        "* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượng- Tờ khai đăng ký khai sinhMau01.docx1 bản chính"
        "- Bản sao giấy tờ tùy thân0 bản chính,1 bản sao* Giấy tờ phải xuất trình:Tên giấy tờMẫu đơn, tờ khai"
        "Số lượngHộ chiếu1 bản chính* Số lượng hồ sơ: 01 (bộ)0 bản chính"
    )
    docs = parse_documents(text)
    assert [(d["name"], d["originals"], d["copies"]) for d in docs] == [
        ("Tờ khai đăng ký khai sinh", 1, 0),
        ("Bản sao giấy tờ tùy thân", 0, 1),
        ("Hộ chiếu", 1, 0),
    ]
    assert "Mau01.docx" in docs[0]["note"] and docs[2]["note"] == "Giấy tờ phải xuất trình"


def test_steps_numbered_sections_and_lines():
    assert (
        len(parse_steps("Bước 1: Nộp hồ sơ.\nBước 2: Thẩm định, nêu tại Bước 1 và Bước 2 ở trên.\nBước 3: Trả kết quả"))
        == 3
    )
    assert parse_steps("a) Nộp hồ sơ TTHC:\n- nộp tại Sở\nb) Giải quyết TTHC:\n- thẩm định") == [
        "a) Nộp hồ sơ TTHC: - nộp tại Sở",
        "b) Giải quyết TTHC: - thẩm định",
    ]
    assert parse_steps("- Nộp hồ sơ\n+ chi tiết\n- Nhận kết quả") == ["Nộp hồ sơ + chi tiết", "Nhận kết quả"]
    assert parse_steps("Không có thông tin") == []


# Sub-bullets ("-", "+", "a)", "b)", "i)") mixed with "Bước N" stay inside their step. Excerpts of the crawl
# (../shared/tthc, shortened), by national code.


def test_steps_bước_without_separator_keep_their_bullets():
    # 1.000969: "2.1.3. Bước 3 thẩm định hồ sơ:" (no ":" after the number) with "-" bullets under it
    text = (
        "2.1.1. Bước 1 nộp hồ sơ: Tổ chức, cá nhân nộp hồ sơ đến Trung tâm Phục vụ hành chính công cấp tỉnh.\n"
        "2.1.2. Bước 2 kiểm tra hồ sơ: Công chức Trung tâm có trách nhiệm kiểm tra thành phần hồ sơ.\n"
        "2.1.3. Bước 3 thẩm định hồ sơ: Sở NNMT là cơ quan chủ trì thẩm định hồ sơ\n"
        "- Trường hợp hồ sơ còn chưa đủ thông tin, Sở NNMT gửi văn bản đề nghị cung cấp bổ sung thông tin.\n"
        "- Hội đồng thẩm định hồ sơ: Dự án chỉ có hoạt động nạo vét phải thành lập Hội đồng thẩm định. \n"
        "2.1.4. Bước 4 trình, ban hành kết quả: Sở NNMT trình UBND tỉnh xem xét, ra quyết định.\n"
        "2.1.5. Bước 5 thông báo và trả kết quả: Trung tâm thông báo cho tổ chức, cá nhân để nhận kết quả."
    )
    steps = parse_steps(text)
    assert len(steps) == 5
    assert steps[2].startswith("2.1.3. Bước 3 thẩm định hồ sơ") and "- Hội đồng thẩm định hồ sơ" in steps[2]
    # 2.001428: "Bước 4 Thẩm định hồ sơ." with "+" bullets; marks glued to the end of a cell ("xử lýBước 10")
    text = (
        "Bước 1 1. Tiếp nhận hồ sơ:\nTiếp nhận hồ sơ trực tiếp từ tổ\nchức/cá nhân.\n"
        "2. Cán bộ TN&TKQ kiểm tra\nhồ sơ:\n"
        "- Nếu hồ sơ đầy đủ, hợp lệ thì\nlàm thủ tục tiếp nhận hồ sơ.\nBước 2 Chuyển hồ sơ phòng Văn hoá - Xã hội.\n"
        "Bước 3 Duyệt hồ sơ và chuyển cho chuyên viên xử lý.\nBước 4 Thẩm định hồ sơ.\n+ Nếu đủ điều kiện thì lập dự\n"
        "thảo danh sách\n+ Nếu không đủ điều kiện dự\nthảo Văn bản trả lời.Bước 5 Xem xét, ký nháy kết quả thực hiện "
        "tại bước B4.Bước 6 Chuyển hồ sơ về phòng Người\ncó công (NCC) để xử lýBước 7 Duyệt hồ sơ."
    )
    steps = parse_steps(text)
    assert [s.split()[1] for s in steps] == ["1", "2", "3", "4", "5", "6", "7"]
    assert "2. Cán bộ TN&TKQ kiểm tra hồ sơ: - Nếu hồ sơ đầy đủ" in steps[0]
    assert "+ Nếu không đủ điều kiện" in steps[3]
    # a step named inside a sentence is no mark
    assert parse_steps("Nộp hồ sơ theo bước 1 của quy trình\nThẩm định") == [
        "Nộp hồ sơ theo bước 1 của quy trình",
        "Thẩm định",
    ]


def test_steps_headings_between_step_lists_open_the_next_step():
    # 1.013076: the transfer is two procedures, "1. Thủ tục thu hồi" and "2. Thủ tục đăng ký"
    text = (
        "1. Thủ tục thu hồi\nBước 1: Chủ xe kê khai giấy khai thu hồi chứng nhận đăng ký xe.\n"
        "Bước 2: Cơ quan đăng ký xe cấp 02 bản chứng nhận thu hồi.\n2. Thủ tục đăng ký\n"
        "Bước 3: Chủ xe đăng nhập trên cổng dịch vụ công và kê khai giấy khai đăng ký xe.\nBước 4: Nhận biển số."
    )
    assert parse_steps(text) == [
        "1. Thủ tục thu hồi Bước 1: Chủ xe kê khai giấy khai thu hồi chứng nhận đăng ký xe.",
        "Bước 2: Cơ quan đăng ký xe cấp 02 bản chứng nhận thu hồi.",
        "2. Thủ tục đăng ký Bước 3: Chủ xe đăng nhập trên cổng dịch vụ công và kê khai giấy khai đăng ký xe.",
        "Bước 4: Nhận biển số.",
    ]
    # 1.009056: the title of a second list of steps, on the line of its "Bước 1"
    text = (
        "Thủ tục hải quan đối với hàng hóa vận chuyển giữa kho chứa hàng miễn thuế với tàu bay Bước 1: Doanh nghiệp "
        "gửi phiếu giao nhận hàng hóa.\nBước 2: Doanh nghiệp vận chuyển hàng hóa.\nThủ tục hải quan trong trường hợp "
        "tàu bay nhập cảnh tại sân bay quốc tế khác Bước 1: Doanh nghiệp gửi phiếu giao nhận.\nBước 2: Lưu giữ xe hàng."
    )
    steps = parse_steps(text)
    assert len(steps) == 4 and steps[0].startswith("Thủ tục hải quan") and steps[1].endswith("vận chuyển hàng hóa.")
    assert steps[2].startswith("Thủ tục hải quan trong trường hợp tàu bay nhập cảnh")


def test_steps_nested_lists_stay_in_their_section():
    # 1.001388: "a) Nộp hồ sơ" holds "-", "+", a nested "a) b)" and "1. 2." with their own "a) b)"
    text = (
        "a) Nộp hồ sơ thủ tục hành chính:\n- Người khai thác tàu bay gửi đơn đề nghị cấp phép bay.\n"
        "+ Bộ Ngoại giao (Cục Lãnh sự) cấp phép bay cho chuyến bay chuyên cơ nước ngoài.\n"
        "a) Chuyến bay chuyên chở thợ máy, động cơ;\nb) Chuyến bay tìm kiếm, cứu nạn;\n"
        "1. Chậm nhất 10 ngày làm việc trước ngày dự kiến thực hiện phép bay.\n"
        "2. Chậm nhất 07 ngày làm việc trước ngày dự kiến thực hiện phép bay đối với:\n"
        "a) Chuyến bay thử nghiệm, biểu diễn;\nb) Chuyến bay phục vụ nghiên cứu khoa học;\n"
        "b) Giải quyết thủ tục hành chính: Cơ quan cấp phép bay xem xét, thông báo phép bay."
    )
    steps = parse_steps(text)
    assert len(steps) == 2
    assert steps[0].startswith("a) Nộp hồ sơ") and "b) Chuyến bay phục vụ nghiên cứu khoa học;" in steps[0]
    assert steps[1].startswith("b) Giải quyết thủ tục hành chính")
    # 1.004163: "2. Cục Chính sách:" with "a) b)" under it
    text = (
        "1. Công an đơn vị lập hồ sơ đề nghị xác nhận liệt sĩ.\n2. Cục Chính sách:\na) Tiếp nhận hồ sơ;\n"
        "b) Xem xét, báo cáo Tổng Cục trưởng.\n3. Sau khi được cấp Bằng “Tổ quốc ghi công”, Cục Chính sách:\n"
        "a) Thông báo cho thân nhân liệt sĩ biết;"
    )
    assert [s[:2] for s in parse_steps(text)] == ["1.", "2.", "3."]
    # 1.003976: the sections are numbered "i) ii) iii)"
    assert (
        len(
            parse_steps(
                "i) Lập hồ sơ trẻ em\nCơ sở nuôi dưỡng lập hồ sơ.\nii) Tìm người nhận\n- Sở Tư pháp "
                "thông báo.\niii) Giới thiệu trẻ em"
            )
        )
        == 3
    )
    # 2.001263: "i) ii) iii)" after "..., công chức cấp xã phải:" belong to that sentence
    text = (
        "Người nhận con nuôi nộp hồ sơ tại Ủy ban nhân dân cấp xã.\nCông chức cấp xã kiểm tra hồ sơ;\n"
        "Khi lấy ý kiến của những người liên quan, công chức cấp xã phải:\ni) Tư vấn để trẻ em được chăm sóc;\n"
        "ii) Tư vấn đầy đủ cho cha mẹ đẻ;\niii) Giải thích về quyền thay đổi ý kiến.\n"
        "Ủy ban nhân dân cấp xã đăng ký nuôi con nuôi."
    )
    steps = parse_steps(text)
    assert len(steps) == 4 and steps[2].endswith("iii) Giải thích về quyền thay đổi ý kiến.")


def test_steps_channel_bullets_and_lost_headings():
    # 2.002641: "* Trường hợp ...:" bullets for each channel, each with its "a) b)"
    text = (
        "* Trường hợp đăng ký trực tiếp: a) Thông báo tạm ngừng kinh doanh đối với tổ hợp tác\n"
        "Tổ hợp tác gửi hồ sơ thông báo đến cơ quan đăng ký kinh doanh cấp xã.\n"
        "b) Thông báo tạm ngừng kinh doanh đối với hợp tác xã\nHợp tác xã gửi thông báo.\n"
        "* Trường hợp trên môi trường điện tử: a) Thông báo tạm ngừng kinh doanh đối với tổ hợp tác\n"
        "Người nộp hồ sơ sử dụng tài khoản định danh điện tử.\n"
        "b) Thông báo đối với hợp tác xã\nNgười nộp hồ sơ kê khai."
    )
    steps = parse_steps(text)
    assert len(steps) == 2 and steps[1].startswith("* Trường hợp trên môi trường điện tử")
    # 1.002845: the page lost "a) Nộp hồ sơ"; its text and "-" bullets come before "b) Giải quyết"
    text = (
        "Người đề nghị cấp giấy chứng nhận gửi 01 bộ hồ sơ đến Cảng vụ hàng không.\n"
        "- Cảng vụ hàng không cấp giấy chứng nhận đối với thiết bị trong phạm vi quản lý.\n"
        "b) Giải quyết thủ tục hành chính:\nTrong thời hạn 15 ngày, Cảng vụ hàng không kiểm tra:\n"
        "- Kiểm tra thực tế sản phẩm;\n- Kiểm tra kết quả khai thác thử."
    )
    steps = parse_steps(text)
    assert len(steps) == 2 and steps[1].startswith("b) Giải quyết") and steps[1].endswith("khai thác thử.")


def test_legal_basis_split_and_deduplicated():
    items, complete = parse_legal_basis(
        "Tên văn bản pháp lýMã văn bảnLuật 49/2019/QH1449/2019/QH14Nghị định số 187/2013/NĐ-CP187/2013/NĐ-CP"
        "Thông tư Hướng dẫn về phí85/2019/TT-BTCQuyết định số 52/2025/QĐ-TTg ngày 30/12/202552/2025/QĐ-TTg"
        "Nghị định số 187/2013/NĐ-CP187/2013/NĐ-CP"
    )
    assert complete
    assert items == [
        "Luật 49/2019/QH14",
        "Nghị định số 187/2013/NĐ-CP",
        "Thông tư Hướng dẫn về phí (85/2019/TT-BTC)",
        "Quyết định số 52/2025/QĐ-TTg ngày 30/12/2025",
    ]
    items, complete = parse_legal_basis("Tên văn bản pháp lýMã văn bảnVăn bản không số hiệu")
    assert not complete and items == ["Văn bản không số hiệu"]


def test_short_fields():
    assert parse_level("Cấp bộ, Cấp tỉnh, Cơ quan khác") == "bộ, tỉnh, khác"
    assert split_top_level("Tổ chức (không bao gồm doanh nghiệp, HTX), Doanh nghiệp") == [
        "Tổ chức (không bao gồm doanh nghiệp, HTX)",
        "Doanh nghiệp",
    ]
    assert (
        parse_result(
            "Biển số xeMã: KQ.G01.000015Giấy chứng nhận đăng ký xeMã: KQ.G01.000014Từ khóaKhông có "
            "thông tinChọn cơ quan thực hiện"
        )
        == "Biển số xe; Giấy chứng nhận đăng ký xe"
    )


def test_record_provenance_agency_fallback_and_online_level():
    record = json.loads((DATA / "crawl_sample.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert record["ma_thu_tuc"] == "1.001193"  # khai sinh: co_quan_thuc_hien is "Không có thông tin"
    parsed = parse_crawl_record(record, date(2026, 11, 30))
    procedure = Procedure.model_validate(parsed.data)
    assert procedure.provenance.decision == "163/QĐ-BTP"
    assert procedure.provenance.verified_on == date(2026, 11, 30)
    assert procedure.provenance.url == record["detail_url"] and procedure.national_code
    assert procedure.level == "xã" and procedure.online_level == "mot_phan"  # online offered, no "toàn trình"
    assert parsed.problems["agency"] == "suy ra từ trình tự thực hiện"
    assert procedure.fee_note.startswith("Miễn phí") and procedure.result == "Giấy khai sinh"


# --- 30 records checked by hand ---------------------------------------------------------------------

needs_crawl = pytest.mark.skipif(not CRAWL.exists(), reason=f"cần dữ liệu thu thập {CRAWL} (../shared/tthc)")


@pytest.fixture(scope="module")
def crawl_records() -> dict[str, dict]:
    with gzip.open(CRAWL, "rt", encoding="utf-8") as handle:
        return {r["ma_thu_tuc"]: r for r in map(json.loads, handle)}


def _extract(procedure: Procedure) -> dict:
    return {
        "channels": sorted(procedure.submission_channels),
        "processing_days": procedure.processing_days,
        "fee_amounts": sorted({f.amount_vnd for f in procedure.fees if f.amount_vnd is not None}),
        "documents": len(procedure.documents),
        "steps": len(procedure.steps),
        "level": procedure.level,
        "agency": procedure.agency,
    }


HANDCHECK_FIELDS = (
    "channels",
    "processing_days",
    "fee_amounts",
    "documents",
    "steps",
    "level",
    "agency",
    "legal_first",
)
MIN_AGREEMENT = 0.90  # measured 2026-12-01: see the report printed by this test (-s)


@needs_crawl
def test_thirty_hand_checked_records(crawl_records, capsys):
    expected = json.loads((DATA / "crawl_handcheck.json").read_text(encoding="utf-8"))["records"]
    codes = sorted(crawl_records)  # the sample is drawn from the file order
    with gzip.open(CRAWL, "rt", encoding="utf-8") as handle:
        order = [json.loads(line)["ma_thu_tuc"] for line in handle]
    assert [order[i] for i in random.Random(20261201).sample(range(len(order)), 30)] == [e["code"] for e in expected]
    assert len(codes) == 2642
    agree = {f: 0 for f in HANDCHECK_FIELDS}
    misses = []
    for item in expected:
        procedure = Procedure.model_validate(parse_crawl_record(crawl_records[item["code"]]).data)
        got = _extract(procedure)
        got["legal_first"] = procedure.legal_basis[0] if procedure.legal_basis else None
        for name in HANDCHECK_FIELDS:
            want = item[name]
            if name == "channels":
                want = sorted(want)
            ok = (want in (got[name] or "")) if name == "legal_first" else got[name] == want
            agree[name] += ok
            if not ok:
                misses.append(f"{item['code']} {name}: tay={want!r} máy={got[name]!r}"[:160])
    total = sum(agree.values()) / (len(expected) * len(HANDCHECK_FIELDS))
    with capsys.disabled():
        print(
            f"\nĐối chiếu tay 30 thủ tục: {total:.1%} trường khớp; "
            + ", ".join(f"{k} {v}/30" for k, v in agree.items())
        )
        for miss in misses:
            print("  -", miss)
    assert total >= MIN_AGREEMENT
    assert min(agree.values()) >= 24  # no single field below 80 %


# --- import through the CLI ---------------------------------------------------------------------------


def test_cli_imports_crawl_fixture_reports_bad_records_and_is_idempotent(make_settings, tmp_path, monkeypatch):
    from hotline.cli import app

    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))
    from common.settings import get_settings

    get_settings.cache_clear()
    sample = shutil.copy(DATA / "crawl_sample.jsonl", tmp_path / "crawl.jsonl")
    runner = CliRunner()
    first = runner.invoke(app, ["kb", "import", str(sample), "--verified-on", "2026-11-30"])
    assert first.exit_code == 0, first.output
    assert "không hợp lệ: 2" in first.output
    assert "dòng 3 (mã 1.003767)" in first.output and "steps" in first.output  # malformed: code and field
    assert "dòng 5" in first.output and "JSON không hợp lệ" in first.output
    assert "Trường có vấn đề khi đọc" in first.output and "agency: 1" in first.output
    settings = make_settings(data_dir=tmp_path / "var")
    kb = load_knowledge_base(settings)
    for code in ("1.001193", "1.003394", "1.000014", "3.000369"):
        assert kb.procedure(code).provenance.verified_on == date(2026, 11, 30)
    from knowledge_base.loader import load_import_store

    assert "1.003767" not in {p.code for p in load_import_store(settings)}  # the malformed record: not written
    assert kb.procedure("1.003394").fees[0].amount_vnd == 1500000
    again = runner.invoke(app, ["kb", "import", str(sample), "--verified-on", "2026-11-30"])
    assert "Mới: 0, cập nhật: 0" in again.output
    bad_date = runner.invoke(app, ["kb", "import", str(sample), "--verified-on", "30/11/2026"])
    assert bad_date.exit_code == 2


def test_gzip_jsonl_import_uses_default_crawl_date(make_settings, tmp_path):
    path = tmp_path / "crawl.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write((DATA / "crawl_sample.jsonl").read_text(encoding="utf-8"))
    result = import_file(path, make_settings())
    assert result.valid == 4 and len(result.invalid) == 2
    assert result.problems["agency"] == 1 and "1.001193" in result.record_problems
    kb = load_knowledge_base(make_settings())
    assert kb.procedure("1.001193").provenance.verified_on == date(2026, 6, 10)
