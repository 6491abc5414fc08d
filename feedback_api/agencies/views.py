from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from feedback_api.deps import get_directory
from knowledge_base.directory import Directory

router = APIRouter(tags=["agencies"])


class AgencyRead(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None = None


@router.get("/agencies", response_model=list[AgencyRead])
def agencies(directory: Directory = Depends(get_directory)) -> list[AgencyRead]:
    return [AgencyRead(code=a.code, name=a.name, level=a.level, parent=a.parent) for a in directory]
