"""Questions that ask for something no procedure holds (a fine, exam dates and scores) are recognised by
what they ask, and only when they ask nothing about a procedure."""

from __future__ import annotations

import pytest

from nlu.unheld import unheld_ask


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Xe máy vượt đèn đỏ bây giờ bị phạt bao nhiêu tiền vậy ạ?", "penalty"),
        ("khong doi mu bao hiem muc phat la bao nhieu", "penalty"),
        ("đi xe không chính chủ bị phạt khoảng bao nhiêu tiền", "penalty"),
        ("mức phạt là bao nhiêu tiền khi không đội mũ bảo hiểm", "penalty"),
        ("chủ trọ không khai báo tạm trú cho khách có bị phạt không", "penalty"),
        ("xe bi phat nguoi thi tra o dau ra sao", None),  # asks where: maybe a procedure ("ở đâu")
        ("điểm chuẩn vào lớp 10 trường Phan Châu Trinh năm nay là bao nhiêu", "exam"),
        ("khi nào có điểm thi tốt nghiệp THPT", "exam"),
        ("lich thi lai bang lai o to", "exam"),
        # also asks how to do something: the procedure's question
        ("Em thuê trọ, làm tạm trú thế nào, không làm có bị phạt không?", None),
        ("không đăng ký tạm trú bị phạt bao nhiêu, còn đăng ký thì mất lệ phí không", None),
        ("đăng ký dự thi tốt nghiệp THPT cần giấy tờ gì", None),
        ("phúc khảo bài thi ở đâu", None),
        ("xin xác nhận kết quả thi hành án", None),  # a procedure, not an exam
        ("bao nhieu ngay thi co ket qua", None),  # "ngày thì": then, not an exam (nlu.yml has it)
        ("nộp hồ sơ rồi thì mấy ngày thì có kết quả", None),
        ("kết quả thi vào lớp 10 có chưa ạ", "exam"),
        ("ngày thi tốt nghiệp năm nay là ngày mấy", "exam"),
        ("ngày thi công xong đường dây điện", None),
        # "phat" is also "phát"
        ("xin phép đặt trạm phát sóng bts trên nóc nhà", None),
        ("cap phat thuoc bao hiem y te", None),
        ("lam giay khai sinh o dau", None),
        ("", None),
    ],
)
def test_what_the_question_asks(question: str, kind: str | None) -> None:
    assert unheld_ask(question) == kind


def test_the_parser_says_none_for_them_and_keeps_the_hits(parser) -> None:
    parsed = parser.parse("Người thuê trọ không đăng ký tạm trú thì bị phạt bao nhiêu ạ?")
    assert (parsed.decision, parsed.unheld) == ("none", "penalty")
    assert any(h.named and "tạm trú" in h.name for h in parsed.procedures)  # the bot may offer it
    asks_both = parser.parse("Em thuê trọ, làm đăng ký tạm trú thế nào, không làm có bị phạt không?")
    assert asks_both.unheld is None and asks_both.decision != "none"


def test_a_procedure_named_for_what_is_asked_holds_it(parser) -> None:
    """ "phúc khảo điểm thi" names a procedure whose everyday name mentions the exam score: a question
    about that procedure, not about exam results."""
    from nlu.unheld import unheld_ask

    question = "con em muốn phúc khảo điểm thi tốt nghiệp môn toán"
    assert unheld_ask(question) == "exam"  # by its words alone...
    parsed = parser.parse(question)
    assert parsed.unheld is None and parsed.decision != "none"  # ...but a procedure holds it
    assert "phúc khảo" in parsed.procedures[0].name.lower()
    # the exam calendar is not held by that procedure, though it shares "thi tốt nghiệp" (asked as a
    # question whatever the intent model says of it)
    from nlu.pipeline import Parser

    class _Asks:
        def predict(self, text: str) -> tuple[str, float]:
            return "ask_procedure", 0.9

    asking = Parser(parser.settings, retriever=parser.retriever, intent_backend=_Asks())
    calendar = asking.parse("lịch thi tốt nghiệp năm nay vào ngày nào vậy")
    assert (calendar.unheld, calendar.decision) == ("exam", "none")


def test_only_one_procedure_name_reads_as_an_unheld_ask(kb) -> None:
    """Names like "tiền phạt nộp thừa" (a tax refund) or "thiết bị phát tín hiệu" are not fines."""
    from nlu.unheld import unheld_ask

    names = [n for p in kb.procedures for n in (p.name, *p.aliases)]
    asked = [n for n in names if unheld_ask(n)]
    assert asked == ["phúc khảo điểm thi tốt nghiệp"], asked  # held by its procedure: see the test above
