"""The admin's Annotate view: tag passages of a source as claims or forecasts, in one step."""

import bisect
import datetime as dt
import functools
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from claims import services as claim_services
from claims.models import Actor, Claim, Topic
from sources import anchoring, services, suggest
from sources.models import DismissedSuggestion, Source
from sources.selectors import passages_for_annotation

ANNOTATE_PERMISSIONS = ("sources.add_passage", "claims.add_claim")


def can_annotate(user) -> bool:
    """Annotators and editors: they may add both passages and claims."""
    return user.is_active and user.is_staff and user.has_perms(ANNOTATE_PERMISSIONS)


def _check(request):
    if not can_annotate(request.user):
        raise PermissionDenied("Annotating needs the permissions to add passages and claims.")


class Utf16:
    """Code point to UTF-16 offsets for one text, in O(log n) per offset."""

    def __init__(self, text: str):
        self.astral = [i for i, char in enumerate(text) if ord(char) > 0xFFFF]

    def __call__(self, offset: int) -> int:
        return offset + bisect.bisect_left(self.astral, offset)


@functools.lru_cache(maxsize=16)
def _suggestions(text_sha256: str, text: str) -> tuple[suggest.Suggestion, ...]:
    return tuple(suggest.suggest(text))


def _claim_data(claim: Claim) -> dict:
    forecast = getattr(claim, "forecast", None) if claim.kind == Claim.Kind.FORECAST else None
    return {
        "id": claim.pk,
        "kind": claim.kind,
        "statement": claim.statement,
        "claimant": claim.claimant.name if claim.claimant_id else "",
        "review_state": claim.review_state,
        "likelihood_phrase": forecast.likelihood_phrase if forecast else "",
        "horizon": forecast.horizon_text if forecast else "",
    }


def _passage_data(passage, utf16: Utf16) -> dict:
    claims = list(passage.claims.all())
    return {
        "id": passage.pk,
        "start": utf16(passage.start),
        "end": utf16(passage.end),
        "exact": passage.exact,
        "anchor_status": passage.anchor_status,
        "kind": claims[0].kind if claims else "none",
        "claims": [_claim_data(c) for c in claims],
    }


def _suggestion_data(source: Source, utf16: Utf16, passages) -> list[dict]:
    dismissed = set(
        DismissedSuggestion.objects.filter(source=source).values_list("sentence_sha256", flat=True)
    )
    spans = sorted((p.start, p.end) for p in passages)
    starts = [s for s, _ in spans]
    result = []
    for found in _suggestions(source.text_sha256, source.text):
        if anchoring.text_sha256(found.text) in dismissed:
            continue
        # A sentence already holding a passage has been dealt with.
        i = bisect.bisect_left(starts, found.end)
        if any(end > found.start for _, end in spans[max(0, i - 50) : i]):
            continue
        result.append(
            {
                "start": utf16(found.start),
                "end": utf16(found.end),
                "exact": found.text,
                "likelihood_phrase": found.likelihood_phrase,
                "horizon": found.horizon,
                "cues": list(found.cues),
            }
        )
    return result


def annotate_view(model_admin, request, object_id):
    """The whole text with passages and suggestions highlighted, and the one-step tagging form."""
    _check(request)
    source = get_object_or_404(Source, pk=object_id)
    passages = passages_for_annotation(source=source)
    utf16 = Utf16(source.text)
    data = {
        "source": {"id": source.pk, "title": source.title, "revision": source.revision},
        "passages": [_passage_data(p, utf16) for p in passages],
        "suggestions": _suggestion_data(source, utf16, passages),
        "urls": {
            "create": f"{request.path}passages/",
            "undo": f"{request.path}undo/",
            "dismiss": f"{request.path}dismiss/",
            "analyse": f"{request.path}analyse/",
        },
    }
    actors = list(Actor.objects.only("id", "name").order_by("name", "id"))
    topics = list(Topic.objects.only("id", "name").order_by("name", "id"))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Source._meta,
        "original": source,
        "title": f"Annotate: {source.title}",
        "source": source,
        "text": source.text,
        "data": data,
        "actors": actors,
        "topics": topics,
        "kinds": Claim.Kind.choices,
        "has_view_permission": True,
    }
    return TemplateResponse(request, "admin/sources/source/annotate.html", context)


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError("The request body is not valid JSON.") from error
    if not isinstance(body, dict):
        raise ValidationError("The request body must be a JSON object.")
    return body


def _error(error: ValidationError, status=400) -> JsonResponse:
    if hasattr(error, "error_dict"):
        messages = {
            field: [str(m) for e in errs for m in e.messages] for field, errs in error.error_dict.items()
        }
        text = " ".join(m for ms in messages.values() for m in ms)
    else:
        messages = {"__all__": list(error.messages)}
        text = " ".join(error.messages)
    return JsonResponse({"detail": text, "errors": messages}, status=status)


def _int(body: dict, name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({name: f"{name} must be a whole number, got {value!r}."})
    return value


def _ids(model, values, name: str):
    if values in (None, ""):
        return []
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in values
    ):
        raise ValidationError({name: f"{name} must be a list of ids."})
    found = list(model.objects.filter(pk__in=values))
    if len(found) != len(set(values)):
        missing = sorted(set(values) - {o.pk for o in found})
        raise ValidationError(
            {name: f"No {model._meta.verbose_name} with id {', '.join(map(str, missing))}."}
        )
    return found


def _date(body: dict, name: str) -> dt.date | None:
    value = body.get(name) or None
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise ValidationError({name: f"{value!r} is not a date; write it as YYYY-MM-DD."}) from error


def create_view(model_admin, request, object_id):
    """Create a passage and its claim (and forecast) from UTF-16 browser offsets; JSON in, JSON out."""
    _check(request)
    source = get_object_or_404(Source, pk=object_id)
    try:
        body = _json_body(request)
        kind = body.get("kind") or Claim.Kind.ASSERTION
        if kind not in Claim.Kind.values:
            raise ValidationError(
                {"kind": f"Unknown kind {kind!r}; use one of {', '.join(Claim.Kind.values)}."}
            )
        statement = str(body.get("statement") or "").strip()
        if not statement:
            raise ValidationError({"statement": "Write the claim's statement."})
        claimant = None
        if body.get("claimant"):
            [claimant] = _ids(Actor, [body["claimant"]], "claimant")
        forecast = None
        if kind == Claim.Kind.FORECAST:
            forecast = {
                "outcome": str(body.get("outcome") or statement),
                "likelihood_phrase": str(body.get("likelihood_phrase") or ""),
                "horizon_text": str(body.get("horizon") or "")[:200],
                "resolve_by": _date(body, "resolve_by"),
            }
        claim = claim_services.claim_annotate(
            source=source,
            start=_int(body, "start"),
            end=_int(body, "end"),
            exact=str(body.get("exact") or ""),
            statement=statement,
            kind=kind,
            claimant=claimant,
            subjects=_ids(Actor, body.get("subjects"), "subjects"),
            topics=_ids(Topic, body.get("topics"), "topics"),
            forecast=forecast,
            offsets_in_utf16=True,
            created_by=request.user,
        )
    except ValidationError as error:
        return _error(error)
    [passage] = passages_for_annotation(source=source, ids=[claim.passage_id])
    return JsonResponse(
        {"claim": claim.pk, "passage": _passage_data(passage, Utf16(source.text))}, status=201
    )


def undo_view(model_admin, request, object_id):
    """Undo one of the caller's own creations in this source (the client sends the latest)."""
    _check(request)
    source = get_object_or_404(Source, pk=object_id)
    try:
        body = _json_body(request)
        claim = Claim.objects.filter(pk=_int(body, "claim"), passage__source=source).first()
        if claim is None:
            raise ValidationError({"claim": "No such claim in this source."})
        passage_id = claim.passage_id
        claim_services.claim_annotate_undo(claim=claim, undone_by=request.user)
    except ValidationError as error:
        return _error(error)
    still = source.passages.filter(pk=passage_id).exists()
    return JsonResponse({"undone": claim.pk, "passage": passage_id, "passage_kept": still})


def dismiss_view(model_admin, request, object_id):
    """Dismiss a suggestion (UTF-16 offsets of the sentence); it is not suggested again."""
    _check(request)
    source = get_object_or_404(Source, pk=object_id)
    try:
        body = _json_body(request)
        try:
            start = anchoring.utf16_to_code_point(source.text, _int(body, "start"))
            end = anchoring.utf16_to_code_point(source.text, _int(body, "end"))
        except ValueError as error:
            raise ValidationError({"start": f"Cannot use these browser offsets: {error}."}) from error
        with transaction.atomic():
            dismissed = services.suggestion_dismiss(
                source=source, start=start, end=end, dismissed_by=request.user
            )
    except ValidationError as error:
        return _error(error)
    return JsonResponse({"dismissed": dismissed.pk, "sentence": dismissed.sentence})


def analyse_view(model_admin, request, object_id):
    """The likelihood phrase and horizon in a selected span, to prefill a free selection's form."""
    _check(request)
    source = get_object_or_404(Source, pk=object_id)
    try:
        start = anchoring.utf16_to_code_point(source.text, int(request.GET.get("start", "")))
        end = anchoring.utf16_to_code_point(source.text, int(request.GET.get("end", "")))
    except ValueError as error:
        return JsonResponse({"detail": f"start and end must be offsets in the text: {error}."}, status=400)
    if not 0 <= start < end:
        return JsonResponse({"detail": "start must come before end."}, status=400)
    _, _, phrase, horizon = suggest.score_sentence(source.text[start:end])
    return JsonResponse({"likelihood_phrase": phrase, "horizon": horizon})


def urls(model_admin):
    """Routes under /admin/sources/source/<id>/annotate/, wrapped by the admin site's login check."""
    from django.urls import path

    def wrap(view, method="GET"):
        def inner(request, object_id):
            if request.method != method:
                return HttpResponseNotAllowed([method])
            return view(model_admin, request, object_id)

        return model_admin.admin_site.admin_view(inner)

    return [
        path("<int:object_id>/annotate/", wrap(annotate_view), name="sources_source_annotate"),
        path(
            "<int:object_id>/annotate/passages/",
            wrap(create_view, "POST"),
            name="sources_source_annotate_create",
        ),
        path("<int:object_id>/annotate/undo/", wrap(undo_view, "POST"), name="sources_source_annotate_undo"),
        path("<int:object_id>/annotate/analyse/", wrap(analyse_view), name="sources_source_annotate_analyse"),
        path(
            "<int:object_id>/annotate/dismiss/",
            wrap(dismiss_view, "POST"),
            name="sources_source_annotate_dismiss",
        ),
    ]
