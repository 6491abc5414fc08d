"""Procedure Q&A with context: follow-up questions reuse the procedure of the previous answer."""

from __future__ import annotations

from bot import texts
from bot.messages import Reply
from bot.rules import looks_like_follow_up
from bot.turn import Turn
from nlu.aspects import aspect_scores
from nlu.compose import clarify as compose_clarify
from nlu.compose import compose_answer, compose_not_found
from nlu.pipeline import ParseResult

# Characters of a question kept while a choice is open, for the portal search words if none is it.
MAX_PENDING_QUESTION = 300
# Cue weight from which an aspect counts as asked (nlu.aspects: "thế nào" 1.5, "ở đâu" 3).
ASKED = 1.5
ASPECTS = ("documents", "fee", "duration", "where", "steps", "online", "eligibility", "general")


def answer_procedure(turn: Turn, code: str, aspect: str | None) -> list[Reply]:
    kb = turn.services.kb
    procedure = kb.procedure(code)
    if procedure is None:
        return [Reply(texts.UNKNOWN_PROCEDURE)]
    aspect = aspect if aspect in ASPECTS else "general"
    asked = _asked_aspects(turn.state.get("pending_question") or turn.text or "")
    turn.state["last_procedure"] = procedure.code
    turn.state["last_aspect"] = aspect
    _forget_choices(turn)
    return [compose_answer(procedure, aspect, kb, _citizen_units(turn, kb), asked)]


def _asked_aspects(question: str) -> list[str]:
    """The aspects a question asks about clearly enough (cue weight >= 1.5), the strongest first: a
    message asking several things gets those follow-up buttons first."""
    scores = aspect_scores(question)
    return sorted((a for a, score in scores.items() if score >= ASKED), key=lambda a: -scores[a])


def _citizen_units(turn: Turn, kb) -> list:
    """The commune-level unit(s) the citizen named in this message or earlier in the conversation (by
    today's or a former name), so "Công an cấp xã" reads "Công an phường ..."; [] when none."""
    from knowledge_base.places import resolve_place

    agencies = list(getattr(kb, "agencies", None) or [])
    if not agencies:
        return []
    try:
        units = resolve_place(turn.text or "", agencies) if turn.text else []
    except Exception:  # the place data is an aid to the answer, never a reason to fail it
        units = []
    if units:
        turn.state["place_units"] = [u.code for u in units[:3]]
        return units[:3]
    by_code = {a.code: a for a in agencies}
    return [by_code[c] for c in turn.state.get("place_units", []) if c in by_code]


def _forget_choices(turn: Turn) -> None:
    for key in ("choices", "pending_aspect", "pending_question"):
        turn.state.pop(key, None)


def not_found(turn: Turn, parsed: ParseResult | None = None, question: str | None = None) -> list[Reply]:
    """Say we do not hold it (for `question`, default the message); when the question asks for something
    no procedure holds (a fine, an exam date) but names a procedure, offer that one."""
    settings = turn.services.settings
    unheld = parsed.unheld if parsed is not None else None
    named = next((h.code for h in parsed.procedures if h.named), None) if parsed is not None and unheld else None
    return [
        compose_not_found(
            question if question is not None else turn.text or "",
            getattr(settings, "hotline_phone", "1022"),
            getattr(settings, "hotline_hours", ""),
            unheld,
            turn.services.kb.procedure(named) if named else None,
        )
    ]


def none_listed(turn: Turn) -> list[Reply]:
    """ "Không phải các thủ tục trên" pressed under a choice: we do not hold what was asked."""
    question = turn.state.get("pending_question")
    if question is None:  # an old button, the choice already answered
        return [Reply(texts.NO_PROCEDURE)]
    _forget_choices(turn)
    return not_found(turn, question=question)


def clarify(turn: Turn, codes: list[str], aspect: str | None) -> list[Reply]:
    kb = turn.services.kb
    procedures = [p for p in (kb.procedure(c) for c in codes[:3]) if p is not None]
    if not procedures:
        return [Reply(texts.NO_PROCEDURE)]
    turn.state["choices"] = [p.code for p in procedures]
    turn.state["pending_aspect"] = aspect or "general"
    turn.state["pending_question"] = (turn.text or "")[:MAX_PENDING_QUESTION]
    return [compose_clarify(procedures)]


async def handle_question(turn: Turn, parsed: ParseResult) -> list[Reply]:
    _citizen_units(turn, turn.services.kb)  # remember a place named now, for the answer after a choice
    hits = parsed.procedures
    aspect = parsed.aspect or "general"
    last = turn.state.get("last_procedure")
    # A short question that names another procedure ("sổ đỏ mất bao lâu" after a birth-registration
    # answer) is a new question, even when retrieval is unsure which of its procedures is meant.
    names_another = any(h.named and h.code != last for h in hits)
    follow_up = bool(last) and aspect != "general" and looks_like_follow_up(turn.text) and not names_another

    decision = parsed.decision
    if decision == "answer" and not (follow_up and hits[0].code != last):
        return answer_procedure(turn, hits[0].code, aspect)
    if follow_up and last:  # (a follow-up always has a last procedure)
        return answer_procedure(turn, last, aspect)
    if decision == "choose":
        return clarify(turn, [h.code for h in hits], aspect)
    # No procedure we hold answers it: say so, never another procedure's answer or a list of unrelated ones.
    return not_found(turn, parsed)


async def handle_aspect_only(turn: Turn, aspect: str) -> list[Reply] | None:
    """A message the intent model did not take as a question ("nộp ở đâu") but that names an aspect of
    the procedure just discussed."""
    last = turn.state.get("last_procedure")
    if not last or aspect == "general" or not looks_like_follow_up(turn.text):
        return None
    return answer_procedure(turn, last, aspect)
