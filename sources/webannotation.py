"""W3C Web Annotation (JSON-LD) for a passage and the claims anchored in it."""

from django.urls import reverse

CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


def passage_annotation(passage, *, request=None, claims=None) -> dict:
    """The passage as an Annotation whose target carries both a quote and a position selector."""
    source = passage.source
    if claims is None:
        claims = list(passage.claims.select_related("claimant").order_by("id"))
    bodies = [
        {
            "type": "SpecificResource",
            "purpose": "classifying" if claim.kind == "forecast" else "describing",
            "source": _absolute(request, reverse("api:claim-detail", args=[claim.pk])),
            "value": claim.statement,
        }
        for claim in claims
    ]
    creator = passage.created_by
    annotation = {
        "@context": CONTEXT,
        "id": _absolute(request, reverse("api:passage-annotation", args=[passage.pk])),
        "type": "Annotation",
        "motivation": "tagging",
        "created": passage.created_at.isoformat(),
        "modified": passage.modified_at.isoformat(),
        "target": {
            "source": source.url or _absolute(request, reverse("api:source-detail", args=[source.pk])),
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": passage.exact,
                    "prefix": passage.prefix,
                    "suffix": passage.suffix,
                },
                {"type": "TextPositionSelector", "start": passage.start, "end": passage.end},
            ],
        },
        "body": bodies,
    }
    if creator is not None:
        annotation["creator"] = {"type": "Person", "nickname": creator.get_username()}
    return annotation
