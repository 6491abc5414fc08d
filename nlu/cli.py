"""`hotline parse` and `hotline index ...` commands."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import NoReturn

import typer

from nlu.index_cli import index_app  # noqa: F401  (re-exported for hotline.cli)


def _emit(obj: dict) -> None:
    # Bytes, so the output is UTF-8 whatever the locale; one object per line, flushed for pipes.
    sys.stdout.buffer.write(json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n")
    sys.stdout.buffer.flush()


def _fail(exc: Exception) -> NoReturn:
    print(f"error: {exc}", file=sys.stderr, flush=True)
    raise typer.Exit(2) from None


def _parse(parser, text: str) -> dict:
    try:
        with contextlib.redirect_stdout(sys.stderr):
            return parser.parse(text).as_json()
    except RuntimeError as exc:  # e.g. the Rasa server went away (nlu.rasa_backend.RasaUnavailable)
        _fail(exc)


def parse(
    text: str = typer.Argument(None, help="Câu cần phân tích; bỏ trống để đọc từng dòng từ stdin (UTF-8)."),
) -> None:
    """Parse TEXT (or each stdin line) into one JSON object: text, intent, aspect, procedures.

    With no TEXT, every stdin line gives exactly one JSON line on stdout, in order, models loaded once.
    A line that is not valid UTF-8 gives, in its place, `{"line": N, "error": "invalid_utf8",
    "detail": ...}` and a message naming the line on stderr; the remaining lines are still parsed and
    the exit code is 1. A broken knowledge base with no earlier index, or an unusable intent backend,
    is reported on stderr with exit code 2. Only JSON goes to stdout; logs and warnings go to stderr.
    """
    from pydantic import ValidationError

    from common.settings import get_settings
    from knowledge_base.loader import KBError
    from nlu.pipeline import NLUBackendError, get_parser

    # Libraries that print while loading models must not corrupt the JSON stream.
    try:
        with contextlib.redirect_stdout(sys.stderr):
            parser = get_parser(get_settings())
    except (KBError, NLUBackendError, ValidationError) as exc:
        _fail(exc)

    if text is not None:
        _emit(_parse(parser, text))
        return

    failed = False
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        raw = raw.rstrip(b"\n").rstrip(b"\r")
        try:
            line = raw.decode("utf-8")
            if number == 1:
                line = line.removeprefix("\ufeff")  # a byte-order mark from Windows editors
        except UnicodeDecodeError as exc:
            failed = True
            detail = f"dòng {number}: không phải UTF-8 hợp lệ (byte 0x{raw[exc.start]:02x} ở vị trí {exc.start})"
            print(f"error: {detail}", file=sys.stderr, flush=True)
            _emit({"line": number, "error": "invalid_utf8", "detail": detail})
            continue
        _emit(_parse(parser, line))
    if failed:
        raise typer.Exit(1)
