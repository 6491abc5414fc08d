"""Every page is served as Vietnamese HTML with its assets, safe headers and the settings filled in."""

from __future__ import annotations

import re

import pytest

from hotline.pages.router import PAGES

VIETNAMESE = set("ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
NAV_TARGETS = {"/", "/chat", "/tra-cuu", "/cong-khai", "/tre-han", "/can-bo"}


def _title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match, "page has no <title>"
    return match.group(1).strip()


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_is_vietnamese_html(web, path):
    response = web.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="vi">' in html
    title = _title(html)
    assert any(ch in VIETNAMESE for ch in title.lower()), title
    assert '<meta name="viewport"' in html
    assert "{{" not in html and "}}" not in html, "unfilled template marker"
    assert 'id="main"' in html and 'href="#main"' in html  # skip link target exists
    # Scripts only from files (the CSP forbids inline code), styles from the one stylesheet.
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"\son[a-z]+\s*=", html) == [], "inline event handler"
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) == ["/assets/pages.css"]


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_assets_and_links_resolve(web, path):
    html = web.get(path).text
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)
    assert assets, "page loads no assets"
    for asset in assets:
        response = web.get(asset)
        assert response.status_code == 200, asset
        expected = {"css": "text/css", "js": "javascript", "svg": "image/svg+xml"}[asset.rsplit(".", 1)[1]]
        assert expected in response.headers["content-type"], asset
    # Every site-internal link (pages, the bot's /chat) is served by the same app.
    for target in set(re.findall(r'href="(/[^"#?]*)', html)) - set(assets):
        linked = web.get(target)
        assert linked.status_code == 200, f"{path} links to {target}: {linked.status_code}"
        assert linked.headers["content-type"].startswith("text/html"), target
    assert NAV_TARGETS <= set(re.findall(r'href="([^"#?]*)"', html))


def test_head_and_unknown_asset(web):
    assert web.head("/tra-cuu").status_code == 200
    assert web.get("/assets/khong-co.js").status_code == 404
    assert web.get("/assets/../router.py").status_code == 404


def test_settings_are_escaped_into_pages(web, pages_settings):
    html = web.get("/").text
    assert "7h00–21h00 &lt;mọi ngày&gt;" in html
    assert "<mọi ngày>" not in html
    assert f"Tổng đài <strong>{pages_settings.hotline_phone}</strong>" in html


def test_install_pages_on_a_bare_app_without_settings():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from hotline.pages import install_pages

    app = FastAPI()
    install_pages(app)
    client = TestClient(app)
    html = client.get("/cong-khai").text
    assert "Tổng đài <strong>1022</strong>" in html
    assert client.get("/assets/common.js").status_code == 200
