"""Open311 GeoReport v2 endpoints. Conversions live in feedback_api.open311.mapping (pure); intake goes
through feedback.intake.create_feedback, exactly as POST /api/v1/feedback does."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from feedback_api.auth.models import User
from feedback_api.deps import get_optional_user, get_service_context, get_session
from feedback_api.edge.idempotency import Receipt, claim_of
from feedback_api.errors import ApiError, validation_message
from feedback_api.feedback import intake, transitions
from feedback_api.feedback.context import Actor, ServiceContext
from feedback_api.feedback.models import Feedback
from feedback_api.feedback.schemas import FeedbackCreate
from feedback_api.open311 import mapping
from feedback_api.orm import utcnow

# GeoReport v2: without explicit dates or ids, the last 90 days and at most 1000 requests.
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000


# GeoReport v2 POST /requests fields, sent as a form (the standard) or as a JSON object; read by hand
# (mapping.intake_from_request), so described here for the OpenAPI document.
_REQUEST_FIELDS = {
    "type": "object",
    "required": ["service_code", "description"],
    "properties": {
        "service_code": {"type": "string", "description": "Mã dịch vụ từ /open311/v2/services.json"},
        "description": {"type": "string", "minLength": 1},
        "lat": {"type": "string"},
        "long": {"type": "string"},
        "address_string": {"type": "string"},
        "email": {"type": "string"},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
        "phone": {"type": "string"},
        "media_url": {"type": "string"},
        "attribute[publish_consent]": {"type": "string"},
    },
}
_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {"schema": _REQUEST_FIELDS},
        "application/json": {"schema": _REQUEST_FIELDS},
    },
}


def _error(error: mapping.Open311Error) -> JSONResponse:
    return JSONResponse({"detail": error.message, "code": error.code}, status_code=error.status_code)


def _public_request(item, ctx: ServiceContext) -> dict:
    """Open311 is public: an item's text and place are shown only once it is published (with consent or
    by a supervisor's public-interest decision), as on /api/v1/public/feedback; before that only its
    service, status and dates, like the public status view."""
    public = mapping.service_request(item, ctx.directory.name(item.agency_code), ctx.routing_rules)
    if item.published_at is None:
        public["description"] = None
        public["address"] = None
    return public


router = APIRouter(prefix="/open311/v2", tags=["open311"])


@router.get("/services.json")
def services(ctx: ServiceContext = Depends(get_service_context)) -> list[dict]:
    return mapping.service_list(ctx.routing_rules)


@router.get("/services/{service_code}.json")
def service_definition(service_code: str, ctx: ServiceContext = Depends(get_service_context)):
    try:
        mapping.parse_service_code(service_code, ctx.routing_rules)
    except mapping.Open311Error as error:
        return JSONResponse({"detail": error.message, "code": error.code}, status_code=404)
    return {"service_code": service_code, "attributes": []}


@router.get("/requests.json")
def list_requests(
    request: Request,
    session: Session = Depends(get_session),
    ctx: ServiceContext = Depends(get_service_context),
):
    try:
        filters = mapping.query_filters(request.query_params, ctx.routing_rules, ctx.settings.timezone)
    except mapping.Open311Error as error:
        return _error(error)
    # Only published items are listed: a list of every code would hand out the tracking codes whose
    # phone digits a guesser then tries (the single-code lookup below still answers a known code).
    query = select(Feedback).where(Feedback.merged_into.is_(None), Feedback.published_at.is_not(None))
    if "codes" in filters:
        query = query.where(Feedback.code.in_(filters["codes"]))
    elif "since" not in filters and "until" not in filters:
        query = query.where(Feedback.received_at >= utcnow() - DEFAULT_WINDOW)
    if "kind" in filters:
        query = query.where(Feedback.kind == filters["kind"])
    if "category" in filters:
        category = filters["category"]
        query = query.where(Feedback.category.is_(None) if category is None else Feedback.category == category)
    if "since" in filters:
        query = query.where(Feedback.received_at >= filters["since"])
    if "until" in filters:
        query = query.where(Feedback.received_at <= filters["until"])
    if "statuses" in filters:
        query = query.where(Feedback.status.in_(filters["statuses"]))
    items = session.scalars(query.order_by(Feedback.received_at.desc()).limit(MAX_RESULTS)).all()
    return [_public_request(item, ctx) for item in items]


@router.get("/requests/{code}.json")
def get_request(code: str, session: Session = Depends(get_session), ctx: ServiceContext = Depends(get_service_context)):
    item = transitions.get_item(session, code)  # 404 with the service's own message
    return [_public_request(item, ctx)]


@router.post("/requests.json", status_code=201, openapi_extra={"requestBody": _REQUEST_BODY})
async def create_request(
    request: Request,
    user: User | None = Depends(get_optional_user),
    session: Session = Depends(get_session),
    ctx: ServiceContext = Depends(get_service_context),
) -> Response:
    content_type = request.headers.get("content-type", "")
    try:
        if "json" in content_type:
            fields = await request.json()
            if not isinstance(fields, dict):
                raise ValueError
        else:
            fields = dict((await request.form()).items())
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deep to parse
        raise ApiError(400, "bad_request", "Dữ liệu gửi lên không đọc được (cần form hoặc JSON).") from None
    try:
        body = FeedbackCreate(**mapping.intake_from_request(fields, ctx.routing_rules))
    except mapping.Open311Error as error:
        return _error(error)
    except ValidationError as error:
        detail = " ".join(dict.fromkeys(validation_message(e) for e in error.errors()))
        raise ApiError(400, "validation_error", detail) from None

    def render(item: Feedback) -> JSONResponse:
        return JSONResponse(
            mapping.created_response(
                item.code, item.due_at, ctx.directory.name(item.agency_code), ctx.settings.timezone
            ),
            status_code=201,
        )

    # The answer is rendered (and stored under an Idempotency-Key) inside the item's transaction.
    receipt = Receipt(claim_of(request), render)
    # The request's own session (the one get_optional_user used): SQLite has a single writer.
    await run_in_threadpool(
        intake.create_feedback, session, ctx, body, Actor.of(user) if user else None, on_stored=receipt
    )
    if receipt.response is None:  # cannot happen: create_feedback calls on_stored before it commits
        raise RuntimeError("intake stored the item without its receipt")
    return receipt.response
