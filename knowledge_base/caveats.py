"""What a citizen must be told when a published record is out of date, and the KB's quality findings.

Records of the national TTHC database are the portal's text: we keep it as published, but some of it
still names the district level (abolished 1 July 2025) or cites a law that has since been replaced.
`caveats_for` gives the warnings such a record's answer must carry; `findings_for` gives what
`hotline kb check` reports for records we curate ourselves (those we must correct, not annotate).
Pure functions over a record, the repealed-documents table and a date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge_base.directory import Directory
from knowledge_base.models import Procedure
from knowledge_base.two_tier import former_unit

REPEALED_DOCUMENTS = Path(__file__).parent / "data" / "repealed_documents.yaml"
NATIONAL_SOURCE = "CSDL quốc gia về TTHC"

TWO_TIER_CAVEAT = (
    "Trang thủ tục trên Cổng Dịch vụ công quốc gia còn nhắc đến cấp huyện hoặc thị trấn; từ 01/7/2025 "
    "không còn cấp huyện và thị trấn (cấp xã gồm xã, phường, đặc khu), việc của cấp huyện do UBND cấp xã "
    "hoặc cơ quan cấp tỉnh thực hiện. Hãy hỏi Bộ phận Một cửa xã/phường hoặc gọi 1022 để biết nơi nộp."
)


@dataclass(frozen=True)
class Repeal:
    repealed: tuple[str, ...]  # how citations of the repealed document are written
    replaced_by: str
    effective_from: date | None
    source: str

    def cited_in(self, text: str) -> bool:
        folded = text.casefold()
        return any(name.casefold() in folded for name in self.repealed)


@dataclass(frozen=True)
class Finding:
    code: str
    kind: str  # no_source | stale | repealed | unknown_agency | former_unit
    detail: str

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


def load_repeals(path: Path = REPEALED_DOCUMENTS) -> list[Repeal]:
    return list(_repeals(path, path.stat().st_mtime_ns))


@lru_cache(maxsize=4)
def _repeals(path: Path, _mtime_ns: int) -> tuple[Repeal, ...]:
    rows = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("documents", [])
    return tuple(
        Repeal(tuple(r["repealed"]), r["replaced_by"], r.get("effective_from"), r.get("source", "")) for r in rows
    )


def _shown_text(procedure: Procedure) -> str:
    """The parts of a record an answer shows (legal bases are checked against the repeal table)."""
    documents = " ".join(d.name + " " + d.note for d in procedure.documents)
    fees = " ".join(f.name + " " + f.description for f in procedure.fees)
    return " ".join(
        [
            procedure.name,
            procedure.agency,
            procedure.where_to_submit,
            *procedure.steps,
            documents,
            procedure.processing_time,
            fees,
            procedure.fee_note,
            procedure.result,
            procedure.conditions,
        ]
    )


def _repeal_note(repeal: Repeal) -> str:
    since = f" từ {repeal.effective_from:%d/%m/%Y}" if repeal.effective_from else ""
    return f"“{repeal.repealed[0]}” đã được thay thế bởi {repeal.replaced_by}{since}."


def is_national(procedure: Procedure) -> bool:
    return procedure.provenance is not None and procedure.provenance.source == NATIONAL_SOURCE


def caveats_for(procedure: Procedure, repeals: list[Repeal]) -> list[str]:
    """Warnings the answer about this record must carry (empty for an up-to-date record)."""
    caveats = []
    if former_unit(_shown_text(procedure)):
        caveats.append(TWO_TIER_CAVEAT)
    for repeal in repeals:
        if any(repeal.cited_in(basis) for basis in procedure.legal_basis):
            caveats.append("Căn cứ pháp lý đã thay đổi: " + _repeal_note(repeal))
    return caveats


def findings_for(
    procedure: Procedure, directory: Directory, repeals: list[Repeal], today: date, max_age_days: int
) -> list[Finding]:
    """What `hotline kb check` reports about one record. National records are annotated (caveats)
    rather than reported for their published text; their source and age are checked like any other."""
    code, found = procedure.code, []
    provenance = procedure.provenance
    if provenance is None:
        found.append(Finding(code, "no_source", "không ghi nguồn (provenance)"))
    elif (today - provenance.verified_on).days > max_age_days:
        found.append(
            Finding(code, "stale", f"kiểm tra lần cuối {provenance.verified_on:%d/%m/%Y}, quá {max_age_days} ngày")
        )
    if procedure.agency_code and directory.get(procedure.agency_code) is None:
        found.append(Finding(code, "unknown_agency", f"cơ quan {procedure.agency_code} không có trong danh mục"))
    if is_national(procedure):
        return found
    for repeal in repeals:
        if any(repeal.cited_in(basis) for basis in procedure.legal_basis):
            found.append(Finding(code, "repealed", "trích dẫn văn bản đã bị thay thế: " + _repeal_note(repeal)))
    unit = former_unit(_shown_text(procedure))
    if unit:
        found.append(Finding(code, "former_unit", f"còn nhắc “{unit}” (mô hình hai cấp)"))
    return found
