"""Attachment records; the bytes live under data_dir/attachments/<id>."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from feedback_api.orm import Base, UTCDateTime


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_uploader_created", "uploader", "created_at"),
        Index("ix_attachment_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uploader: Mapped[str | None] = mapped_column(String(32))  # keyed hash of the client (quota), not an address
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # first seen on an item (cleanup)


class AttachmentRead(BaseModel):
    id: str
    content_type: str
    size: int
