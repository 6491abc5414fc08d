"""Loose tracking-code formats: one pure function (common.tracking), property-tested, and the page's
JavaScript copy (common.js normalizeCode) agreeing with it on generated inputs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.tracking import find_tracking_code, normalize_tracking_code

years = st.integers(min_value=2000, max_value=2099)
seqs = st.integers(min_value=1, max_value=999_999)
seps = st.sampled_from(["", "-", " ", "  ", ".", "_", "/", " - ", "–", ":"])
prefixes = st.sampled_from(["PA", "pa", "Pa", "pA"])


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("pa 2026 12", "PA-2026-000012"),
        ("PA2026000012", "PA-2026-000012"),
        ("pa-2026-12", "PA-2026-000012"),
        ("  Pa.2026.000012 ", "PA-2026-000012"),
        ("PA-2026-000123", "PA-2026-000123"),
        ("pa 2026 999999", "PA-2026-999999"),
    ],
)
def test_examples(typed, code):
    assert normalize_tracking_code(typed) == code
    assert find_tracking_code(f"mã của tôi là {typed} ạ") == code


@pytest.mark.parametrize(
    "typed",
    [
        "",
        None,
        "PA-26-000001",
        "PA-2026-1234567",
        "2026-000012",
        "PB-2026-12",
        "PA-2026-",
        "PA 2026 12 thêm",
        "x" * 100,
        "PA-２０２６-12",
    ],
)
def test_not_codes(typed):
    assert normalize_tracking_code(typed) is None


@given(prefixes, seps, years, seps, seqs, st.booleans())
def test_any_loose_spelling_is_the_canonical_code(prefix, sep1, year, sep2, seq, padded):
    number = f"{seq:06d}" if padded else str(seq)
    typed = f"{prefix}{sep1}{year}{sep2}{number}"
    canonical = f"PA-{year}-{seq:06d}"
    assert normalize_tracking_code(typed) == canonical
    assert normalize_tracking_code(f"  {typed}\t") == canonical
    assert find_tracking_code(f"tra cứu giúp {typed} nhé") == canonical


@given(st.text(max_size=40))
def test_result_is_canonical_and_idempotent(text):
    code = normalize_tracking_code(text)
    if code is not None:
        assert len(code) == 14 and code.startswith("PA-") and code[7] == "-"
        assert normalize_tracking_code(code) == code
        assert find_tracking_code(text) == code


@given(st.text(alphabet=st.sampled_from(list("Pp Aa0123456789-_./:xđ")), max_size=20))
@settings(max_examples=300)
def test_found_code_is_always_canonical(text):
    code = find_tracking_code(text)
    assert code is None or normalize_tracking_code(code) == code


_ALPHABET = list("PpAaBx0123456789 -_./:#") + ["–", "đ"]


def test_javascript_copy_agrees(node):
    """The lookup page and the staff search normalise codes exactly as the API and the bot do."""
    import random

    rng = random.Random(1022)
    samples = ["pa 2026 12", "PA2026000012", "pa-2026-12", " Pa.2026.000012 ", "PA-26-1", "PA-2026-1234567", "", "pa"]
    samples += ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 18))) for _ in range(500)]
    samples += [
        f"{rng.choice('pP')}{rng.choice('aA')}{rng.choice(['', ' ', '-', '.'])}{rng.randint(1990, 2100)}"
        f"{rng.choice(['', ' ', '-', '/'])}{rng.randint(0, 9_999_999)}"
        for _ in range(300)
    ]
    samples += [
        f"pa{a}2026{b}{n}" for a in ("", " ", "-") for b in ("", ".", " ") for n in ("1", "12", "000012", "123456")
    ]
    assets = Path(__file__).resolve().parents[2] / "hotline" / "pages" / "static" / "assets"
    script = (
        f"const H = require({json.dumps(str(assets / 'common.js'))});"
        f"console.log(JSON.stringify({json.dumps(samples)}.map(H.normalizeCode)));"
    )
    result = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    js = json.loads(result.stdout)
    assert js == [normalize_tracking_code(s) for s in samples]
