"""Serializers for actors, topics, claims, forecasts and verifications.

Read and write shapes differ: reads nest what a client needs to show a row,
writes take ids. Serializers validate shape only; services hold the rules.
"""

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims import selectors
from claims.models import Actor, Claim, Forecast, Topic, Verification
from sources.models import Passage


class ActorSerializer(serializers.ModelSerializer):
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=50
    )

    class Meta:
        model = Actor
        fields = [
            "id",
            "name",
            "kind",
            "aliases",
            "country",
            "wikidata_id",
            "description",
            "created_at",
            "modified_at",
        ]
        read_only_fields = ["id", "created_at", "modified_at"]
        # Uniqueness is enforced by the service (case-insensitive), not by the serializer.
        validators = []


class ActorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Actor
        fields = ["id", "name", "kind"]


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "name", "slug", "parent", "description"]


class TopicRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "name", "slug"]


class PassageRefSerializer(serializers.ModelSerializer):
    source_title = serializers.CharField(source="source.title", read_only=True)

    class Meta:
        model = Passage
        fields = ["id", "source", "source_title", "start", "end", "exact", "anchor_status"]


class ClaimSerializer(serializers.ModelSerializer):
    passage = PassageRefSerializer(read_only=True)
    claimant = ActorRefSerializer(read_only=True)
    subjects = ActorRefSerializer(many=True, read_only=True)
    topics = TopicRefSerializer(many=True, read_only=True)
    forecast = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "statement",
            "kind",
            "review_state",
            "passage",
            "claimant",
            "subjects",
            "topics",
            "forecast",
            "reviewed_at",
            "created_at",
            "modified_at",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_forecast(self, claim) -> int | None:
        forecast = getattr(claim, "forecast", None) if hasattr(claim, "forecast") else None
        return forecast.pk if forecast is not None else None

    def to_representation(self, claim):
        """The declared fields, written out by hand: DRF's field-by-field walk over four nested
        serializers cost about 1 ms a claim, most of a list page's time at scale (BENCHMARKS.md).
        tests/perf/test_fast_representations.py holds it equal to the generic representation."""
        passage = claim.passage
        claimant = claim.claimant
        return {
            "id": claim.id,
            "statement": claim.statement,
            "kind": claim.kind,
            "review_state": claim.review_state,
            "passage": {
                "id": passage.id,
                "source": passage.source_id,
                "source_title": passage.source.title,
                "start": passage.start,
                "end": passage.end,
                "exact": passage.exact,
                "anchor_status": passage.anchor_status,
            },
            "claimant": None
            if claimant is None
            else {"id": claimant.id, "name": claimant.name, "kind": claimant.kind},
            "subjects": [{"id": a.id, "name": a.name, "kind": a.kind} for a in claim.subjects.all()],
            "topics": [{"id": t.id, "name": t.name, "slug": t.slug} for t in claim.topics.all()],
            "forecast": self.get_forecast(claim),
            "reviewed_at": datetime_text(claim.reviewed_at),
            "created_at": datetime_text(claim.created_at),
            "modified_at": datetime_text(claim.modified_at),
        }


def claim_representations(ids: list[int]) -> list[dict]:
    """ClaimSerializer's representation of these claims, in this order, for a list page, built
    from plain rows in three queries: no model instances and no prefetch machinery, which cost a
    deep cursor page of 50 claims ~11 ms of Python against ~5 ms of SQL (BENCHMARKS.md).
    tests/perf/test_fast_representations.py holds it equal to the generic representation."""
    claims, subject_rows, topic_rows = selectors.claim_rows(ids)
    subjects = _by_claim(subject_rows, ("id", "name", "kind"))
    topics = _by_claim(topic_rows, ("id", "name", "slug"))
    by_id = {}
    for row in claims:
        claim_id = row["id"]
        by_id[claim_id] = {
            "id": claim_id,
            "statement": row["statement"],
            "kind": row["kind"],
            "review_state": row["review_state"],
            "passage": {
                "id": row["passage_id"],
                "source": row["passage__source_id"],
                "source_title": row["passage__source__title"],
                "start": row["passage__start"],
                "end": row["passage__end"],
                "exact": row["passage__exact"],
                "anchor_status": row["passage__anchor_status"],
            },
            "claimant": None
            if row["claimant_id"] is None
            else {"id": row["claimant_id"], "name": row["claimant__name"], "kind": row["claimant__kind"]},
            "subjects": subjects.get(claim_id, []),
            "topics": topics.get(claim_id, []),
            "forecast": row["forecast__id"],
            "reviewed_at": datetime_text(row["reviewed_at"]),
            "created_at": datetime_text(row["created_at"]),
            "modified_at": datetime_text(row["modified_at"]),
        }
    return [by_id[claim_id] for claim_id in ids if claim_id in by_id]


def forecast_representations(ids: list[int], *, today) -> list[dict]:
    """ForecastSerializer's representation of these forecasts, in this order, for a list page,
    built from plain rows, as claim_representations."""
    forecasts, topic_rows = selectors.forecast_rows(ids)
    topics = _by_claim(topic_rows, ("id", "name", "slug"))
    by_id = {}
    for row in forecasts:
        claimant_id = row["claim__claimant_id"]
        by_id[row["id"]] = {
            "id": row["id"],
            "claim": {
                "id": row["claim_id"],
                "statement": row["claim__statement"],
                "claimant": None
                if claimant_id is None
                else {
                    "id": claimant_id,
                    "name": row["claim__claimant__name"],
                    "kind": row["claim__claimant__kind"],
                },
                "source": row["claim__passage__source_id"],
                "topics": topics.get(row["claim_id"], []),
                "review_state": row["claim__review_state"],
            },
            **{name: _date_text(row[name]) for name in selectors.FORECAST_COLUMNS},
            "status": Forecast.status_of(row["verdict"], row["resolve_by"], today),
            "verified_at": datetime_text(row["verified_at"]),
            "created_at": datetime_text(row["created_at"]),
            "modified_at": datetime_text(row["modified_at"]),
        }
    return [by_id[forecast_id] for forecast_id in ids if forecast_id in by_id]


def _by_claim(rows, keys: tuple[str, ...]) -> dict[int, list[dict]]:
    """(claim id, *values) rows as each claim's list of {key: value}, in the rows' order."""
    grouped: dict[int, list[dict]] = {}
    for claim_id, *values in rows:
        grouped.setdefault(claim_id, []).append(dict(zip(keys, values, strict=True)))
    return grouped


def _date_text(value):
    """A date as DRF writes it (ISO 8601); any other value as it is."""
    is_date = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return value.isoformat() if is_date else value


def datetime_text(value):
    """A datetime as DRF's DateTimeField writes it: ISO 8601 in the current time zone, UTC as Z."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class ClaimWriteSerializer(serializers.ModelSerializer):
    passage = serializers.PrimaryKeyRelatedField(queryset=Passage.objects.defer("source__text"))
    claimant = serializers.PrimaryKeyRelatedField(
        queryset=Actor.objects.all(), allow_null=True, required=False
    )
    subjects = serializers.PrimaryKeyRelatedField(queryset=Actor.objects.all(), many=True, required=False)
    topics = serializers.PrimaryKeyRelatedField(queryset=Topic.objects.all(), many=True, required=False)
    statement = serializers.CharField(max_length=10_000)

    class Meta:
        model = Claim
        fields = ["passage", "statement", "kind", "claimant", "subjects", "topics"]


class ClaimReviewActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["submit", "publish", "reject", "reopen"])


class ClaimRefSerializer(serializers.ModelSerializer):
    claimant = ActorRefSerializer(read_only=True)
    source = serializers.IntegerField(source="passage.source_id", read_only=True)
    topics = TopicRefSerializer(many=True, read_only=True)

    class Meta:
        model = Claim
        fields = ["id", "statement", "claimant", "source", "topics", "review_state"]


class ForecastSerializer(serializers.ModelSerializer):
    claim = ClaimRefSerializer(read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Forecast
        fields = [
            "id",
            "claim",
            *selectors.FORECAST_COLUMNS,
            "status",
            "verified_at",
            "created_at",
            "modified_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Forecast.Status.choices))
    def get_status(self, forecast) -> str:
        return forecast.status_on(timezone.localdate())


class ForecastWriteSerializer(serializers.ModelSerializer):
    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.select_related("passage__source"))
    probability = serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True)
    probability_low = serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True)
    probability_high = serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True)

    class Meta:
        model = Forecast
        fields = ["claim", *selectors.FORECAST_COLUMNS]
        extra_kwargs = {"made_on": {"required": False}}


class ForecastUpdateSerializer(ForecastWriteSerializer):
    class Meta(ForecastWriteSerializer.Meta):
        fields = [f for f in ForecastWriteSerializer.Meta.fields if f != "claim"]


class EvidenceSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    title = serializers.CharField(max_length=500)
    quote = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    date = serializers.DateField(required=False, allow_null=True)


class VerificationSerializer(serializers.ModelSerializer):
    evidence = EvidenceSerializer(many=True)

    class Meta:
        model = Verification
        fields = [
            "id",
            "forecast",
            "verdict",
            "rationale",
            "evidence",
            "reason",
            "supersedes",
            "created_at",
        ]
        read_only_fields = ["id", "forecast", "supersedes", "created_at"]


class VerificationWriteSerializer(serializers.ModelSerializer):
    evidence = EvidenceSerializer(many=True, max_length=50)  # emptiness: the service explains
    rationale = serializers.CharField(max_length=20_000)
    reason = serializers.CharField(max_length=5_000, required=False, allow_blank=True)

    class Meta:
        model = Verification
        fields = ["verdict", "rationale", "evidence", "reason"]
