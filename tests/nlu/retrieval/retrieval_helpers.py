"""Helpers for the retrieval tests (imported as tests.nlu.retrieval.retrieval_helpers)."""

from __future__ import annotations

from knowledge_base.models import Procedure


def make_procedure(code: str, name: str, aliases: list[str] | None = None, field: str = "Hộ tịch") -> Procedure:
    return Procedure(
        code=code,
        name=name,
        field=field,
        level="xã",
        agency="Ủy ban nhân dân cấp xã",
        steps=["Nộp hồ sơ", "Nhận kết quả"],
        submission_channels=["truc_tiep"],
        processing_time="03 ngày làm việc",
        aliases=aliases or [],
    )
