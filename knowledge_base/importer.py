"""Import a national TTHC database export (JSON, XLSX or the crawl's JSONL[.gz]) into the imported store
under data_dir/kb/.

Records may use our field names, the portal's Vietnamese column headers ("Mã thủ tục", "Tên thủ tục",
...) or the crawl's keys (`ma_thu_tuc`, flattened sections: parsed by knowledge_base.crawl, whose
per-field problems are counted in ImportResult.problems). Text columns are parsed into structure: steps
and documents split into items, processing days
read from "05 ngày làm việc", fees from "50.000 đồng". Valid records are upserted by code; invalid ones
are reported with their row/record and reason and never stop the rest.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from common.settings import Settings
from knowledge_base.caveats import NATIONAL_SOURCE, load_repeals
from knowledge_base.crawl import DEFAULT_VERIFIED_ON, is_crawl_record, parse_crawl_record
from knowledge_base.loader import (
    KBError,
    KnowledgeBase,
    enrich,
    everyday_names,
    format_validation_error,
    load_import_store,
    load_knowledge_base,
    save_import_store,
)
from knowledge_base.models import Procedure


class ImportFileError(Exception):
    """The file itself cannot be read (missing, not JSON/XLSX, wrong shape)."""


@dataclass
class InvalidRecord:
    where: str  # "dòng 5" (XLSX row) or "bản ghi #3" (JSON index)
    code: str | None
    reason: str

    def __str__(self) -> str:
        code = f" (mã {self.code})" if self.code else ""
        return f"{self.where}{code}: {self.reason}"


@dataclass
class ImportResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: list[InvalidRecord] = field(default_factory=list)
    store_path: Path | None = None
    # crawl records: what could not be parsed, counted per field, and per record (code -> field -> why)
    problems: Counter = field(default_factory=Counter)
    record_problems: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def valid(self) -> int:
        return self.new + self.updated + self.unchanged


# --- header mapping ---------------------------------------------------------------------------------


def _key(text: str) -> str:
    """Header key for matching: NFC, lowercase, no trailing ':' / '*', spaces collapsed."""
    text = unicodedata.normalize("NFC", str(text)).strip().lower()
    text = re.sub(r"\s+", " ", text).strip(" :*.")
    return text


_PORTAL_HEADERS = {
    "mã thủ tục": "code",
    "mã tthc": "code",
    "mã số": "code",
    "tên thủ tục": "name",
    "tên tthc": "name",
    "tên thủ tục hành chính": "name",
    "lĩnh vực": "field",
    "cấp thực hiện": "level",
    "cơ quan thực hiện": "agency",
    "cơ quan giải quyết": "agency",
    "mã cơ quan": "agency_code",
    "trình tự thực hiện": "steps",
    "cách thức thực hiện": "submission_channels",
    "thành phần hồ sơ": "documents",
    "thành phần, số lượng hồ sơ": "documents",
    "thời hạn giải quyết": "processing_time",
    "phí, lệ phí": "fees",
    "phí lệ phí": "fees",
    "lệ phí": "fees",
    "căn cứ pháp lý": "legal_basis",
    "yêu cầu, điều kiện": "conditions",
    "yêu cầu, điều kiện thực hiện": "conditions",
    "yêu cầu điều kiện": "conditions",
    "kết quả thực hiện": "result",
    "kết quả thực hiện thủ tục hành chính": "result",
    "đối tượng thực hiện": "target_users",
    "địa chỉ tiếp nhận hồ sơ": "where_to_submit",
    "địa chỉ tiếp nhận": "where_to_submit",
    "nơi tiếp nhận": "where_to_submit",
    "mức độ": "online_level",
    "mức độ dvc": "online_level",
    "dịch vụ công trực tuyến": "online_level",
    "tên gọi khác": "aliases",
}
_OUR_FIELDS = set(Procedure.model_fields)
HEADER_MAP = {**{_key(k): v for k, v in _PORTAL_HEADERS.items()}, **{f: f for f in _OUR_FIELDS}}


def map_keys(record: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Rename portal/our keys to model fields; returns (mapped, unknown keys)."""
    mapped: dict[str, Any] = {}
    unknown: list[str] = []
    for raw_key, value in record.items():
        if raw_key is None:
            continue
        target = HEADER_MAP.get(_key(raw_key))
        if target is None:
            unknown.append(str(raw_key))
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        mapped[target] = value
    return mapped, unknown


# --- value parsers (pure functions) -----------------------------------------------------------------

_NUMBER_WORDS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10}


def parse_processing_days(text: str) -> float | None:
    """Working days from published text: "05 ngày làm việc" -> 5, "Trong ngày" -> 1, "04 giờ làm
    việc" -> 0.5. Calendar days ("30 ngày") are not working days: None."""
    if not text:
        return None
    t = unicodedata.normalize("NFC", text).lower()
    m = re.search(r"(\d+(?:[.,]\d+)?)\s*(?:\(\s*[^)]*\)\s*)?ngày\s+làm\s+việc", t)
    if m:
        return float(m.group(1).replace(",", "."))
    m = re.search(r"(\d+(?:[.,]\d+)?)\s*giờ\s+làm\s+việc", t)
    if m:
        return round(float(m.group(1).replace(",", ".")) / 8, 2)
    m = re.search(r"\b(" + "|".join(_NUMBER_WORDS) + r")\s+ngày\s+làm\s+việc", t)
    if m:
        return float(_NUMBER_WORDS[m.group(1)])
    if re.search(r"(ngay\s+)?trong\s+(ngày|ngày làm việc)\b", t) or "giải quyết ngay" in t:
        return 1.0
    return None


_AMOUNT = re.compile(r"(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:đồng|đ\b|vnđ|vnd)", re.IGNORECASE)
_NO_FEE = re.compile(r"^\s*(không|miễn|không thu|không có|0\s*(đồng|đ)?)\b", re.IGNORECASE)


def parse_amount(text: str) -> int | None:
    m = _AMOUNT.search(text or "")
    if not m:
        return None
    return int(re.sub(r"[.,]", "", m.group(1)))


def parse_fees(value: Any) -> tuple[list[dict], str]:
    """Fees from structured items or published text; returns (fees, fee_note)."""
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return [_fee_from_dict(v) for v in value], ""
    lines = _split_lines(value)
    if not lines:
        return [], ""
    if len(lines) == 1 and _NO_FEE.match(lines[0]) and parse_amount(lines[0]) in (None, 0):
        return [], lines[0]
    fees = []
    for line in lines:
        name, _, rest = line.partition(":")
        if not rest.strip() or len(name) > 80:
            name, rest = "Lệ phí", line
        fees.append({"name": name.strip(" -+•") or "Lệ phí", "amount_vnd": parse_amount(rest), "description": line})
    return fees, ""


def _fee_from_dict(item: dict) -> dict:
    mapped = {}
    for k, v in item.items():
        kk = _key(k)
        if kk in ("name", "tên", "tên phí", "loại phí", "loại phí, lệ phí"):
            mapped["name"] = v
        elif kk in ("amount_vnd", "mức phí", "số tiền", "mức thu"):
            mapped["amount_vnd"] = v if isinstance(v, int) or v is None else parse_amount(f"{v} đồng")
        elif kk in ("description", "mô tả", "ghi chú"):
            mapped["description"] = v
    mapped.setdefault("name", "Lệ phí")
    return mapped


def _split_lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return [line.strip(" \t-+•") for line in text.split("\n") if line.strip(" \t-+•")]


def parse_steps(value: Any) -> list[str]:
    """Steps: a list as is; text split on lines, or on "Bước N" when on one line."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    lines = _split_lines(value)
    if len(lines) == 1:
        parts = re.split(r"(?=\bBước\s+\d+)", lines[0])
        parts = [p.strip(" ;") for p in parts if p.strip(" ;")]
        if len(parts) > 1:
            return parts
    return lines


_COUNT = re.compile(r"(\d+)\s*(bản chính|bản sao)", re.IGNORECASE)


def parse_documents(value: Any) -> list[dict]:
    """Documents: structured items pass through; text lines -> items with original/copy counts."""
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return [_document_from_dict(v) for v in value]
    items = []
    for line in _split_lines(value):
        counts = {m.group(2).lower(): int(m.group(1)) for m in _COUNT.finditer(line)}
        originals = counts.get("bản chính", 1 if not counts else 0)
        copies = counts.get("bản sao", 0)
        if not counts and re.search(r"\bbản sao\b", line, re.IGNORECASE):
            originals, copies = 0, 1
        name = _COUNT.sub("", line)
        name = re.sub(r"\(\s*[:;,]?\s*\)", "", name).strip(" ;,:")
        items.append({"name": name or line, "originals": originals, "copies": copies})
    return items


def _document_from_dict(item: dict) -> dict:
    mapped = {}
    for k, v in item.items():
        kk = _key(k)
        if kk in ("name", "tên giấy tờ", "tên"):
            mapped["name"] = v
        elif kk in ("originals", "bản chính", "số bản chính"):
            mapped["originals"] = v
        elif kk in ("copies", "bản sao", "số bản sao"):
            mapped["copies"] = v
        elif kk in ("note", "ghi chú"):
            mapped["note"] = v
    return mapped


def parse_channels(value: Any) -> list[str]:
    """Submission channels from codes or published text ("Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính")."""
    if isinstance(value, list):
        text = " ".join(str(v) for v in value)
    else:
        text = str(value)
    t = unicodedata.normalize("NFC", text).lower()
    channels = []
    if "truc_tiep" in t or "trực tiếp" in t:
        channels.append("truc_tiep")
    if "truc_tuyen" in t or "trực tuyến" in t or "online" in t:
        channels.append("truc_tuyen")
    if "buu_chinh" in t or "bưu chính" in t or "bưu điện" in t:
        channels.append("buu_chinh")
    return channels


def parse_level(value: Any) -> str:
    """ "Cấp Tỉnh" -> "tỉnh", "Cấp Huyện, Cấp Xã" -> "huyện, xã"; other values kept (levels are data)."""
    items = value if isinstance(value, list) else re.split(r"[,;/\n]", str(value))
    levels = []
    for item in items:
        item = unicodedata.normalize("NFC", str(item)).strip().lower()
        item = re.sub(r"^cấp\s+", "", item).strip()
        if item and item not in levels:
            levels.append(item)
    return ", ".join(levels)


def parse_online_level(value: Any) -> str:
    t = unicodedata.normalize("NFC", str(value)).lower().strip()
    if t in ("toan_trinh", "mot_phan", "none"):
        return t
    if "toàn trình" in t or t in ("4", "mức độ 4"):
        return "toan_trinh"
    if "một phần" in t or t in ("3", "mức độ 3"):
        return "mot_phan"
    return "none"


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [s.strip(" -+•") for s in re.split(r"[\n;]", str(value)) if s.strip(" -+•")]


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value).strip()


def record_to_procedure_data(record: dict[str, Any]) -> dict[str, Any]:
    """Map one export record (portal or our shape) to Procedure field values (not yet validated)."""
    data, _unknown = map_keys(record)
    if "code" in data:
        data["code"] = str(data["code"]).strip()
    for text_field in (
        "name",
        "field",
        "agency",
        "where_to_submit",
        "result",
        "conditions",
        "fee_note",
        "processing_time",
    ):
        if text_field in data:
            data[text_field] = _as_text(data[text_field])
    if "level" in data:
        data["level"] = parse_level(data["level"])
    if "steps" in data:
        data["steps"] = parse_steps(data["steps"])
    if "submission_channels" in data:
        data["submission_channels"] = parse_channels(data["submission_channels"])
    if "documents" in data:
        data["documents"] = parse_documents(data["documents"])
    if "fees" in data:
        fees, note = parse_fees(data["fees"])
        data["fees"] = fees
        if note and not data.get("fee_note"):
            data["fee_note"] = note
    if "processing_time" in data and "processing_days" not in data:
        days = parse_processing_days(data["processing_time"])
        if days is not None:
            data["processing_days"] = days
    for list_field in ("target_users", "legal_basis", "aliases"):
        if list_field in data:
            data[list_field] = _as_list(data[list_field])
    if "online_level" in data:
        data["online_level"] = parse_online_level(data["online_level"])
    if "agency_code" in data:
        data["agency_code"] = str(data["agency_code"]).strip() or None
    return data


# --- reading files ----------------------------------------------------------------------------------


def read_records(path: str | Path) -> list[tuple[str, dict[str, Any]]]:
    """(where, record) pairs from a JSON or XLSX export; ImportFileError when unreadable."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"Không tìm thấy tệp {path}")
    suffix = path.suffix.lower()
    if path.name.lower().endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")):
        return _read_jsonl(path)
    if suffix == ".json":
        return _read_json(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise ImportFileError(f"Định dạng tệp không hỗ trợ: {path.name} (chỉ nhận .json, .jsonl[.gz] hoặc .xlsx)")


@dataclass(frozen=True)
class UnreadableLine:
    """A JSONL line that is not a JSON object: reported, the other lines still imported."""

    reason: str


def _read_jsonl(path: Path) -> list[tuple[str, Any]]:
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    records: list[tuple[str, Any]] = []
    try:
        with opener(path, "rt", encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    records.append((f"dòng {number}", json.loads(line)))
                except json.JSONDecodeError as exc:
                    records.append(
                        (f"dòng {number}", UnreadableLine(f"JSON không hợp lệ (cột {exc.colno}): {exc.msg}"))
                    )
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"Tệp {path.name} không phải UTF-8") from exc
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise ImportFileError(f"Không đọc được tệp {path.name}: {exc}") from exc
    return records


def _read_json(path: Path) -> list[tuple[str, dict[str, Any]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"Tệp {path.name} không phải UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"JSON không hợp lệ trong {path.name} (dòng {exc.lineno}, cột {exc.colno}): {exc.msg}"
        ) from exc
    if isinstance(data, dict):  # portal exports often wrap the list
        for key in ("data", "items", "records", "procedures", "result", "thu_tuc"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [data]
    if not isinstance(data, list):
        raise ImportFileError(f"Tệp {path.name} phải chứa một danh sách các thủ tục")
    return [(f"bản ghi #{i}", item) for i, item in enumerate(data, start=1)]


def _read_xlsx(path: Path) -> list[tuple[str, dict[str, Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, InvalidFileException, KeyError...
        raise ImportFileError(f"Không đọc được tệp Excel {path.name}: {exc}") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()
    # the header row is the first of the top rows that names at least two known columns
    header_index = None
    for index, row in enumerate(rows[:10]):
        known = sum(1 for cell in row if cell is not None and _key(cell) in HEADER_MAP)
        if known >= 2:
            header_index = index
            break
    if header_index is None:
        raise ImportFileError(f'Không tìm thấy dòng tiêu đề ("Mã thủ tục", "Tên thủ tục", ...) trong {path.name}')
    headers = [str(c).strip() if c is not None else None for c in rows[header_index]]
    records = []
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in row):
            continue
        record = {h: v for h, v in zip(headers, row, strict=False) if h}
        records.append((f"dòng {offset}", record))
    return records


# --- the import ---------------------------------------------------------------------------------------


def _dump(procedure: Procedure) -> dict:
    return procedure.model_dump(mode="json")


def _export_provenance(verified_on: date) -> dict:
    """A portal export is the national database's own text, as of the day it was exported."""
    return {"source": NATIONAL_SOURCE, "verified_on": verified_on.isoformat()}


def import_file(path: str | Path, settings: Settings, *, verified_on: date | None = None) -> ImportResult:
    """Validate and upsert the export's procedures into the imported store; counts against the KB.

    `verified_on` is the provenance date given to the records: by default the crawl's data date for crawl
    records, and today for a portal export (JSON/XLSX) that carries no provenance of its own.
    The store is written once, atomically, after every record was read: never half an import.
    """
    records = read_records(path)
    kb: KnowledgeBase = load_knowledge_base(settings)
    store = {p.code: p for p in load_import_store(settings)}
    names, repeals = everyday_names(), load_repeals()
    result = ImportResult()
    seen: dict[str, str] = {}
    changed = False
    for where, record in records:
        if isinstance(record, UnreadableLine):
            result.invalid.append(InvalidRecord(where, None, record.reason))
            continue
        if not isinstance(record, dict):
            result.invalid.append(InvalidRecord(where, None, "bản ghi phải là một đối tượng JSON"))
            continue
        if is_crawl_record(record):
            parsed = parse_crawl_record(record, verified_on or DEFAULT_VERIFIED_ON)
            data = parsed.data
            if parsed.problems and data.get("code"):
                result.record_problems[data["code"]] = parsed.problems
                result.problems.update(parsed.problems.keys())
        else:
            data = record_to_procedure_data(record)
            if "provenance" not in data and data.get("code"):
                data["provenance"] = _export_provenance(verified_on or date.today())
        code = data.get("code")
        if not code:
            result.invalid.append(InvalidRecord(where, None, "thiếu mã thủ tục"))
            continue
        if code in seen:
            result.invalid.append(InvalidRecord(where, code, f"mã thủ tục trùng với {seen[code]}"))
            continue
        try:
            procedure = Procedure.model_validate(data)
        except ValidationError as exc:
            result.invalid.append(InvalidRecord(where, code, format_validation_error(exc)))
            continue
        if procedure.agency_code and kb.agency(procedure.agency_code) is None:
            result.invalid.append(
                InvalidRecord(where, code, f"agency_code {procedure.agency_code} không có trong danh mục cơ quan")
            )
            continue
        seen[code] = where
        current = kb.procedure(code)
        if current is None:
            result.new += 1
        elif _dump(current) != _dump(enrich(procedure, names, repeals)):  # as the KB would hold it
            result.updated += 1
        else:
            result.unchanged += 1
        if code not in store or _dump(store[code]) != _dump(procedure):
            store[code] = procedure
            changed = True
    if changed:
        result.store_path = save_import_store(settings, store.values())
    return result


__all__ = [
    "ImportFileError",
    "ImportResult",
    "InvalidRecord",
    "UnreadableLine",
    "import_file",
    "read_records",
    "record_to_procedure_data",
    "parse_processing_days",
    "parse_fees",
    "parse_amount",
    "parse_documents",
    "parse_steps",
    "parse_channels",
    "parse_level",
    "KBError",
]
