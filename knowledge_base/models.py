"""Schema of the knowledge base, mirroring the national TTHC database record.

Levels, fields and agencies are data (strings / codes), never enums in code: the 2025 reorganisation
(merged provinces, no district level) must be a data change only.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PORTAL_URL = "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc={code}"

OnlineLevel = Literal["toan_trinh", "mot_phan", "none"]
SubmissionChannel = Literal["truc_tiep", "truc_tuyen", "buu_chinh"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DocumentItem(_Strict):
    name: str = Field(min_length=2)
    originals: int = Field(default=1, ge=0)  # số bản chính
    copies: int = Field(default=0, ge=0)  # số bản sao
    note: str = ""


class Fee(_Strict):
    name: str = Field(min_length=2)  # e.g. "Lệ phí", "Phí thẩm định"
    amount_vnd: int | None = Field(default=None, ge=0)  # None when it varies
    description: str = ""  # text as published, e.g. "Miễn lệ phí đối với ..."


class Provenance(_Strict):
    """Where a record's facts come from and when someone last checked them against that source."""

    source: str = Field(min_length=3)  # "CSDL quốc gia về TTHC", "Nghị định 151/2025/NĐ-CP", ...
    decision: str = ""  # the decision that published the procedure, e.g. "163/QĐ-BTP"
    url: str = ""  # the record's own portal page, or the legal text
    verified_on: date  # last checked against `source`
    effective_from: date | None = None  # when the rules described took effect, where known


class Procedure(_Strict):
    code: str = Field(min_length=3)  # national code, e.g. "1.001193"; local codes allowed
    name: str = Field(min_length=3)
    field: str = Field(min_length=2)  # lĩnh vực, e.g. "Hộ tịch"
    level: str = Field(min_length=2)  # cấp thực hiện, data: "tỉnh" | "huyện" | "xã" | ...
    agency: str = Field(min_length=2)  # cơ quan thực hiện, as published: "Ủy ban nhân dân cấp xã"
    agency_code: str | None = None  # directory code when one specific agency implements it ("STP")
    target_users: list[str] = []  # đối tượng thực hiện: "Công dân Việt Nam", "Doanh nghiệp", ...
    steps: list[str] = Field(min_length=1)  # trình tự thực hiện
    submission_channels: list[SubmissionChannel] = Field(min_length=1)
    where_to_submit: str = ""  # nơi nộp hồ sơ, as published
    documents: list[DocumentItem] = []  # thành phần hồ sơ
    processing_time: str = Field(min_length=1)  # thời hạn giải quyết, as published
    processing_days: float | None = Field(default=None, ge=0)  # working days, where it is a number
    fees: list[Fee] = []  # phí, lệ phí; empty means none published (see fee_note)
    fee_note: str = ""  # e.g. "Không thu phí, lệ phí"
    result: str = ""  # kết quả thực hiện
    conditions: str = ""  # yêu cầu, điều kiện
    legal_basis: list[str] = []  # căn cứ pháp lý
    online_level: OnlineLevel = "none"  # toàn trình / một phần / không
    aliases: list[str] = []  # everyday names citizens use: "sổ đỏ", "hộ khẩu", "giấy khai sinh"
    national_code: bool = True  # False for locally numbered procedures without a portal page
    provenance: Provenance | None = None  # `hotline kb check` reports records without it
    # Warnings an answer must carry because the published text is out of date (knowledge_base.caveats):
    # set by the loader for national records, never stored in the data files.
    caveats: list[str] = []

    @field_validator("steps", "target_users", "legal_basis", "aliases")
    @classmethod
    def _no_blank_items(cls, items: list[str]) -> list[str]:
        if any(not item.strip() for item in items):
            raise ValueError("không được có mục rỗng")
        return items

    @property
    def portal_url(self) -> str | None:
        """The record's own portal page when its provenance names one, else the page by national code."""
        if self.provenance and self.provenance.url.startswith("https://dichvucong.gov.vn/"):
            return self.provenance.url
        return PORTAL_URL.format(code=self.code) if self.national_code else None


class Agency(_Strict):
    code: str = Field(min_length=2, pattern=r"^[A-Z0-9_.-]+$")
    name: str = Field(min_length=3)
    level: str = Field(min_length=2)  # data: "tỉnh" | "huyện" | "xã" | "trung ương" ...
    parent: str | None = None  # code of the parent agency
    area: str = ""  # area served, e.g. "Thành phố Tam Kỳ"
    hotline: str = ""
    email: str = ""
    # Codes of former agencies whose duties this one took over (e.g. after a merger), so procedures,
    # routing rules and old feedback records that name a former code still resolve. Data, not code.
    replaces: list[str] = []
    # Names of the former units this one absorbed ("xã Tam Ngọc", "thành phố Tam Kỳ"), so a place a
    # citizen names the old way still resolves to today's unit.
    aliases: list[str] = []
    source: str = ""  # where the unit's name and area come from (resolution, portal page)
