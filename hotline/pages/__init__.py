"""Static citizen pages and staff console served by `hotline serve` (see router.install_pages)."""

from hotline.pages.router import install_pages

__all__ = ["install_pages"]
