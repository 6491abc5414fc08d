"""Load and validate the knowledge base: bundled seed + settings.kb_dir + imported store.

Every record is validated with the pydantic models; cross-references (agency codes) are checked
against the agency directory. Any problem raises `KBError` naming the file and the record, so a broken
file never silently half-loads. Parsed files are cached in-process by (path, mtime, size): this runs
at every CLI start and in every long-running process.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from common.settings import Settings
from knowledge_base.caveats import caveats_for, is_national, load_repeals
from knowledge_base.directory import Directory
from knowledge_base.models import Agency, Procedure

DATA_DIR = Path(__file__).parent / "data"
SEED_AGENCIES = DATA_DIR / "agencies.yaml"
SEED_PROCEDURES_DIR = DATA_DIR / "procedures"
# The national TTHC database's records (scripts/build_national_kb.py from the public crawl) and the
# everyday names citizens use for them (national_aliases.yaml): the first layer of the default KB.
NATIONAL_PROCEDURES = DATA_DIR / "national" / "procedures.json.gz"
NATIONAL_ALIASES = DATA_DIR / "national_aliases.yaml"
AGENCIES_FILENAME = "agencies.yaml"
IMPORT_STORE_NAME = "imported_procedures.json"
PROCEDURE_SUFFIXES = (".yaml", ".yml", ".json", ".gz")

try:  # libyaml is ~10x faster; fall back to the pure-Python loader where it is missing
    _YamlLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _YamlLoader = yaml.SafeLoader


class KBError(Exception):
    """A knowledge-base file or record is invalid. `file` and `record` say where."""

    def __init__(
        self,
        file: str | Path | None,
        message: str,
        *,
        index: int | None = None,
        code: str | None = None,
        record: str | None = None,
    ):
        self.file = str(file) if file is not None else None
        self.index = index
        self.code = code
        if record is None and (index is not None or code):
            parts = []
            if index is not None:
                parts.append(f"#{index}")
            if code:
                parts.append(f"mã {code}")
            record = " ".join(parts)
        self.record = record
        self.reason = message
        where = f"tệp {self.file}" if self.file else "cơ sở dữ liệu thủ tục"
        if self.record:
            where += f", bản ghi {self.record}"
        super().__init__(f"Lỗi dữ liệu ({where}): {message}")


_ERROR_MESSAGES = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không có trong lược đồ",
    "string_too_short": "quá ngắn hoặc rỗng",
    "too_short": "danh sách rỗng",
    "literal_error": "giá trị không hợp lệ",
    "string_type": "phải là chuỗi",
    "list_type": "phải là danh sách",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "float_parsing": "phải là số",
    "greater_than_equal": "không được âm",
    "string_pattern_mismatch": "sai định dạng",
    "model_type": "phải là một ánh xạ (mapping)",
}


def format_validation_error(exc: ValidationError) -> str:
    """Short one-line summary of a pydantic error: 'field.sub: message; ...' (Vietnamese)."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ())) or "(bản ghi)"
        message = _ERROR_MESSAGES.get(err.get("type", ""))
        if message is None:
            message = err.get("msg", "không hợp lệ")
        elif err.get("type") == "literal_error":
            message += f" ({err.get('input')!r}; {err.get('ctx', {}).get('expected', '')})"
        parts.append(f"{loc}: {message}")
    return "; ".join(parts)


# --- raw file reading (cached) --------------------------------------------------------------------

_raw_cache: dict[tuple[str, int, int], Any] = {}


def _read_raw(path: Path, shape: type = list) -> Any:
    try:
        stat = path.stat()
    except OSError as exc:
        raise KBError(path, f"không đọc được tệp ({exc.strerror or exc})") from exc
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key in _raw_cache:
        return _raw_cache[key]
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix.lower() == ".gz" else path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KBError(path, f"tệp không phải UTF-8 (byte {exc.start})") from exc
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise KBError(path, f"không đọc được tệp ({getattr(exc, 'strerror', None) or exc})") from exc
    try:
        if path.suffix.lower() in (".json", ".gz"):
            data = json.loads(text) if text.strip() else []
        else:
            data = yaml.load(text, Loader=_YamlLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (dòng {mark.line + 1}, cột {mark.column + 1})" if mark else ""
        raise KBError(path, f"YAML không hợp lệ{where}: {getattr(exc, 'problem', None) or exc}") from exc
    except json.JSONDecodeError as exc:
        raise KBError(path, f"JSON không hợp lệ (dòng {exc.lineno}, cột {exc.colno}): {exc.msg}") from exc
    if data is None:
        data = shape()
    if not isinstance(data, shape):
        raise KBError(
            path,
            "tệp phải là một danh sách (YAML/JSON list) các bản ghi"
            if shape is list
            else "tệp phải là một ánh xạ (mapping)",
        )
    _raw_cache[key] = data
    if len(_raw_cache) > 512:  # bounded: stale entries of edited files
        _raw_cache.pop(next(iter(_raw_cache)))
    return data


_DISK_CACHE_VERSION = 1


def _warm_raw_cache(cache_file: Path, files: list[Path]) -> bool:
    """Fill the in-process cache from a JSON snapshot of parsed files (YAML parsing dominates
    start-up; JSON is ~20x faster). Returns True when every file was served from the snapshot."""
    try:
        snapshot = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if snapshot.get("version") != _DISK_CACHE_VERSION:
        return False
    entries = snapshot.get("files", {})
    complete = True
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            complete = False
            continue
        resolved = str(path.resolve())
        entry = entries.get(resolved)
        if entry and entry.get("mtime_ns") == stat.st_mtime_ns and entry.get("size") == stat.st_size:
            _raw_cache[(resolved, stat.st_mtime_ns, stat.st_size)] = entry["data"]
        else:
            complete = False
    return complete


def _write_raw_cache(cache_file: Path, files: list[Path]) -> None:
    entries = {}
    for path in files:
        stat = path.stat()
        resolved = str(path.resolve())
        data = _raw_cache.get((resolved, stat.st_mtime_ns, stat.st_size))
        if data is not None:
            entries[resolved] = {"mtime_ns": stat.st_mtime_ns, "size": stat.st_size, "data": data}
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".kbcache-", suffix=".json", dir=cache_file.parent)
    except OSError:  # a read-only data dir only costs speed
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"version": _DISK_CACHE_VERSION, "files": entries}, handle, ensure_ascii=False)
        os.replace(tmp, cache_file)
    except (OSError, TypeError, ValueError):
        Path(tmp).unlink(missing_ok=True)


_model_cache: dict[tuple[str, int, int, str], list] = {}


def _load_records(path: Path, model: type[BaseModel]) -> list:
    """Validated records of one file; cached together with the raw data."""
    raw = _read_raw(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, model.__name__)
    cached = _model_cache.get(key)
    if cached is not None:
        return cached
    records = []
    for index, item in enumerate(raw, start=1):
        code = item.get("code") if isinstance(item, dict) else None
        code = str(code) if code is not None else None
        if not isinstance(item, dict):
            raise KBError(path, "bản ghi phải là một ánh xạ (mapping) các trường", index=index)
        try:
            records.append(model.model_validate(item))
        except ValidationError as exc:
            raise KBError(path, format_validation_error(exc), index=index, code=code) from exc
    _model_cache[key] = records
    if len(_model_cache) > 512:
        _model_cache.pop(next(iter(_model_cache)))
    return records


# --- public loaders --------------------------------------------------------------------------------


def load_agencies(path: str | Path | None = None) -> list[Agency]:
    """The agency directory from `path` (default: the bundled one, Thành phố Đà Nẵng as in force today)."""
    path = Path(path) if path is not None else SEED_AGENCIES
    agencies = list(_load_records(path, Agency))
    check_agencies(agencies, path)
    return agencies


def check_agencies(agencies: list[Agency], path: str | Path | None = None) -> None:
    seen: dict[str, int] = {}
    for index, agency in enumerate(agencies, start=1):
        if agency.code in seen:
            raise KBError(
                path, f"mã cơ quan {agency.code} trùng với bản ghi #{seen[agency.code]}", index=index, code=agency.code
            )
        seen[agency.code] = index
    former: dict[str, str] = {}
    for index, agency in enumerate(agencies, start=1):
        if agency.parent is not None and agency.parent not in seen:
            raise KBError(
                path, f"cơ quan cấp trên {agency.parent} không có trong danh mục", index=index, code=agency.code
            )
        for old in agency.replaces:
            if old in seen or old in former:
                raise KBError(
                    path, f"mã cũ {old} trong 'replaces' đã được dùng ở nơi khác", index=index, code=agency.code
                )
            former[old] = agency.code


def procedure_files(paths: str | Path | Iterable[str | Path] | None = None) -> list[Path]:
    """Procedure files from files and/or directories (directories: *.yaml/*.yml/*.json, sorted,
    including a `procedures/` sub-directory; agencies.yaml is skipped)."""
    if paths is None:
        paths = [SEED_PROCEDURES_DIR]
    elif isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for entry in paths:
        entry = Path(entry)
        if entry.is_dir():
            candidates = sorted(p for p in entry.iterdir() if p.is_file())
            sub = entry / "procedures"
            if sub.is_dir():
                candidates += sorted(p for p in sub.iterdir() if p.is_file())
            files += [p for p in candidates if p.suffix.lower() in PROCEDURE_SUFFIXES and p.name != AGENCIES_FILENAME]
        elif entry.exists():
            files.append(entry)
        else:
            raise KBError(entry, "không tìm thấy tệp hoặc thư mục")
    return files


def load_procedures(paths: str | Path | Iterable[str | Path] | None = None) -> list[Procedure]:
    """Procedures from the given files/directories (default: the bundled seed).

    A code defined twice within this set is an error naming both files.
    """
    procedures: list[Procedure] = []
    origin: dict[str, tuple[Path, int]] = {}
    for path in procedure_files(paths):
        for index, procedure in enumerate(_load_records(path, Procedure), start=1):
            if procedure.code in origin:
                first_file, first_index = origin[procedure.code]
                raise KBError(
                    path,
                    f"mã thủ tục {procedure.code} trùng với {first_file} (bản ghi #{first_index})",
                    index=index,
                    code=procedure.code,
                )
            origin[procedure.code] = (path, index)
            procedures.append(procedure)
    return procedures


def import_store_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / "kb" / IMPORT_STORE_NAME


def load_import_store(settings: Settings) -> list[Procedure]:
    path = import_store_path(settings)
    if not path.exists():
        return []
    return load_procedures([path])


def save_import_store(settings: Settings, procedures: Iterable[Procedure]) -> Path:
    """Write the imported procedures atomically (sorted by code: stable diffs and hashes)."""
    path = import_store_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    records = sorted((p.model_dump(mode="json") for p in procedures), key=lambda r: r["code"])
    fd, tmp = tempfile.mkstemp(prefix=".imported-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(records, handle, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --- the assembled knowledge base ------------------------------------------------------------------


@dataclass
class KnowledgeBase:
    procedures: list[Procedure]
    agencies: list[Agency]
    sources: list[str] = field(default_factory=list)

    @cached_property
    def _by_code(self) -> dict[str, Procedure]:
        return {p.code: p for p in self.procedures}

    @cached_property
    def directory(self) -> Directory:
        return Directory(self.agencies)

    def procedure(self, code: str) -> Procedure | None:
        return self._by_code.get(code)

    def agency(self, code: str | None) -> Agency | None:
        """The agency with this code, or the agency that took over a former code."""
        return self.directory.get(code)

    @property
    def fields(self) -> list[str]:
        return sorted({p.field for p in self.procedures})

    @property
    def levels(self) -> list[str]:
        return sorted({p.level for p in self.procedures})

    def content_hash(self) -> str:
        """Stable sha256 of the procedures' content (order-independent)."""
        digest = hashlib.sha256()
        for procedure in sorted(self.procedures, key=lambda p: p.code):
            digest.update(
                json.dumps(
                    procedure.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":")
                ).encode("utf-8")
            )
            digest.update(b"\n")
        return digest.hexdigest()


def check_agency_codes(
    procedures: Iterable[Procedure], kb_agencies: KnowledgeBase | list[Agency], source: str | Path | None = None
) -> None:
    kb = kb_agencies if isinstance(kb_agencies, KnowledgeBase) else KnowledgeBase([], kb_agencies)
    for index, procedure in enumerate(procedures, start=1):
        if procedure.agency_code and kb.agency(procedure.agency_code) is None:
            raise KBError(
                source,
                f"agency_code {procedure.agency_code} không có trong danh mục cơ quan",
                index=index,
                code=procedure.code,
            )


def _layer_sources(settings: Settings) -> list[tuple[str, list[Path]]]:
    layers: list[tuple[str, list[Path]]] = [
        ("national", [NATIONAL_PROCEDURES]),
        ("seed", procedure_files([SEED_PROCEDURES_DIR])),
    ]
    kb_dir = getattr(settings, "kb_dir", None)
    if kb_dir:
        kb_dir = Path(kb_dir)
        if not kb_dir.is_dir():
            raise KBError(kb_dir, "kb_dir không phải là thư mục")
        layers.append(("kb_dir", procedure_files([kb_dir])))
    store = import_store_path(settings)
    if store.exists():
        layers.append(("imported", [store]))
    return layers


def agencies_path_for(settings: Settings) -> Path:
    """The directory in effect: `kb_dir/agencies.yaml` when present, else the bundled (today's) one."""
    kb_dir = getattr(settings, "kb_dir", None)
    if kb_dir and (Path(kb_dir) / AGENCIES_FILENAME).exists():
        return Path(kb_dir) / AGENCIES_FILENAME
    return SEED_AGENCIES


def load_directory(settings: Settings) -> Directory:
    """The agency directory in effect for these settings, without loading procedures."""
    return Directory(load_agencies(agencies_path_for(settings)))


def load_knowledge_base(settings: Settings) -> KnowledgeBase:
    """Bundled seed, then settings.kb_dir, then the imported store; later layers upsert by code.

    `kb_dir/agencies.yaml`, when present, replaces the bundled directory (e.g. the legacy Quảng Nam one).
    """
    agencies_path = agencies_path_for(settings)
    layers = _layer_sources(settings)
    yaml_files = [agencies_path, NATIONAL_ALIASES] + [
        p for _layer, files in layers for p in files if p.suffix.lower() not in (".json", ".gz")
    ]
    cache_file = Path(settings.data_dir) / "cache" / "kb_parsed.json"
    cached = _warm_raw_cache(cache_file, yaml_files)

    agencies = load_agencies(agencies_path)
    directory = KnowledgeBase([], agencies)

    merged: dict[str, Procedure] = {}
    sources: list[str] = [str(agencies_path)]
    for _layer, files in layers:
        # duplicates inside one layer are errors; a later layer overrides an earlier one
        layer_procedures = load_procedures(files)
        for path in files:
            check_agency_codes(_load_records(path, Procedure), directory, path)
        for procedure in layer_procedures:
            merged[procedure.code] = procedure
        sources += [str(p) for p in files]
    names, repeals = everyday_names(), load_repeals()
    unknown = sorted(set(names) - set(merged))
    if unknown:
        raise KBError(NATIONAL_ALIASES, "mã thủ tục quốc gia không có trong cơ sở dữ liệu", code=unknown[0])
    merged = {code: enrich(procedure, names, repeals) for code, procedure in merged.items()}
    sources.append(str(NATIONAL_ALIASES))
    if not cached:  # only after everything validated: never snapshot a broken file
        _write_raw_cache(cache_file, yaml_files)
    return KnowledgeBase(list(merged.values()), agencies, sources)


# Sections of national_aliases.yaml: names carried over from the former bundled records, then the
# everyday names of the most used procedures.
ALIAS_SECTIONS = ("mappings", "popular")


def everyday_names(path: Path = NATIONAL_ALIASES) -> dict[str, list[str]]:
    """National code -> the everyday names citizens use for it (national_aliases.yaml, every section)."""
    names: dict[str, list[str]] = {}
    raw = _read_raw(path, dict)
    for section in ALIAS_SECTIONS:
        for index, mapping in enumerate(raw.get(section) or [], start=1):
            code = str(mapping.get("national_code", "")) if isinstance(mapping, dict) else ""
            if not code:
                raise KBError(path, "thiếu national_code", record=f"{section} #{index}")
            names.setdefault(code, []).extend(str(a).strip() for a in mapping.get("aliases") or [] if str(a).strip())
    return names


def enrich(procedure: Procedure, names: dict[str, list[str]], repeals: list) -> Procedure:
    """The record as answers use it: plus its everyday names, plus the caveats a national record whose
    published text is out of date must carry. Applied after every layer, so a re-imported record keeps them."""
    known = {procedure.name.casefold(), *(a.casefold() for a in procedure.aliases)}
    extra = [a for a in dict.fromkeys(names.get(procedure.code, ())) if a.casefold() not in known]
    caveats = caveats_for(procedure, repeals) if is_national(procedure) else procedure.caveats
    if not extra and caveats == procedure.caveats:
        return procedure
    return procedure.model_copy(update={"aliases": [*procedure.aliases, *extra], "caveats": caveats})
