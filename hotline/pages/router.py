"""The pages people look at: static HTML + vanilla JS + one CSS file, calling the JSON API.

`install_pages(app)` serves the pretty paths (`/`, `/tra-cuu`, `/cong-khai`, `/tre-han`, `/can-bo`) and
mounts the assets under `/assets`. The HTML files share a header and footer (`_header.html`,
`_footer.html`) and take the hotline number and hours from the settings; that substitution happens once,
at install time, with the values HTML-escaped. No build step, no CDN.
"""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
ASSETS_DIR = STATIC_DIR / "assets"
ASSETS_URL = "/assets"

# Pretty path -> HTML file.
PAGES: dict[str, str] = {
    "/": "index.html",
    "/tra-cuu": "tra-cuu.html",
    "/cong-khai": "cong-khai.html",
    "/tre-han": "tre-han.html",
    "/can-bo": "can-bo.html",
}

# Scripts and styles come only from this origin, never inline: API text can never become code.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def render_page(name: str, settings=None) -> str:
    """The HTML of one page with the shared header/footer and the hotline facts filled in."""
    phone = getattr(settings, "hotline_phone", None) or "1022"
    hours = getattr(settings, "hotline_hours", None) or ""
    text = (STATIC_DIR / name).read_text(encoding="utf-8")
    text = text.replace("{{HEADER}}", (STATIC_DIR / "_header.html").read_text(encoding="utf-8").rstrip())
    text = text.replace("{{FOOTER}}", (STATIC_DIR / "_footer.html").read_text(encoding="utf-8").rstrip())
    return text.replace("{{HOTLINE_PHONE}}", html.escape(phone)).replace("{{HOTLINE_HOURS}}", html.escape(hours))


def install_pages(app: FastAPI, settings=None) -> None:
    """Mount the citizen pages, the staff console and their assets on `app`."""
    settings = settings if settings is not None else getattr(app.state, "settings", None)
    rendered = {path: render_page(name, settings) for path, name in PAGES.items()}

    def page_endpoint(body: str):
        def endpoint() -> HTMLResponse:
            return HTMLResponse(body, headers=SECURITY_HEADERS)

        return endpoint

    for path, body in rendered.items():
        app.add_api_route(
            path,
            page_endpoint(body),
            methods=["GET", "HEAD"],
            response_class=HTMLResponse,
            include_in_schema=False,
            name=f"page:{PAGES[path]}",
        )
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="pages-assets")
