"""`hotline parse` and `hotline index ...` commands."""
from __future__ import annotations

import contextlib
import json
import sys

import typer

from nlu.index_cli import index_app  # noqa: F401  (re-exported for hotline.cli)


def _emit(obj: dict) -> None:
    # Bytes, so the output is UTF-8 whatever the locale; one object per line, flushed for pipes.
    sys.stdout.buffer.write(json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n")
    sys.stdout.buffer.flush()


def parse(
    text: str = typer.Argument(
        None, help="Câu cần phân tích; bỏ trống để đọc từng dòng từ stdin (UTF-8)."
    ),
) -> None:
    """Parse TEXT (or each stdin line) into one JSON object: text, intent, aspect, procedures.

    With no TEXT, every stdin line gives exactly one JSON line on stdout, in order, models loaded once.
    A line that is not valid UTF-8 gives, in its place, `{"line": N, "error": "invalid_utf8",
    "detail": ...}` and a message naming the line on stderr; the remaining lines are still parsed and
    the exit code is 1. Only JSON goes to stdout; logs and warnings go to stderr.
    """
    from nlu.pipeline import get_parser

    # Libraries that print while loading models must not corrupt the JSON stream.
    with contextlib.redirect_stdout(sys.stderr):
        parser = get_parser()

    if text is not None:
        with contextlib.redirect_stdout(sys.stderr):
            result = parser.parse(text)
        _emit(result)
        return

    failed = False
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        raw = raw.rstrip(b"\n").rstrip(b"\r")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            failed = True
            detail = f"dòng {number}: không phải UTF-8 hợp lệ (byte 0x{raw[exc.start]:02x} ở vị trí {exc.start})"
            print(f"error: {detail}", file=sys.stderr, flush=True)
            _emit({"line": number, "error": "invalid_utf8", "detail": detail})
            continue
        with contextlib.redirect_stdout(sys.stderr):
            result = parser.parse(line)
        _emit(result)
    if failed:
        raise typer.Exit(1)
