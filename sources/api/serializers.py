"""Serializers for sources and passages. Writes only validate shape; services decide."""

from rest_framework import serializers

from claims.api.serializers import ActorRefSerializer, datetime_text
from claims.models import Actor
from sources import selectors
from sources.models import Passage, Source


class SourceListSerializer(serializers.ModelSerializer):
    authors = ActorRefSerializer(many=True, read_only=True)
    passage_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Source
        fields = list(selectors.SOURCE_LIST_COLUMNS)

    def to_representation(self, source):
        """The declared fields written out by hand, as ClaimSerializer does: DRF builds a
        ModelSerializer's fields anew for every instance, ~1 ms of a source detail's ~4 ms.
        tests/perf/test_fast_representations.py holds it equal to the generic representation."""
        published_on = source.published_on
        return {
            "id": source.id,
            "title": source.title,
            "kind": source.kind,
            "publisher": source.publisher,
            "authors": [{"id": a.id, "name": a.name, "kind": a.kind} for a in source.authors.all()],
            "published_on": None if published_on is None else published_on.isoformat(),
            "published_precision": source.published_precision,
            "url": source.url,
            "language": source.language,
            "revision": source.revision,
            "text_sha256": source.text_sha256,
            "passage_count": source.passage_count,
            "created_at": datetime_text(source.created_at),
            "modified_at": datetime_text(source.modified_at),
        }


class SourceDetailSerializer(SourceListSerializer):
    class Meta(SourceListSerializer.Meta):
        fields = list(selectors.SOURCE_DETAIL_COLUMNS)

    def to_representation(self, source):
        return {
            **super().to_representation(source),
            "text": source.text,
            "provenance": source.provenance,
            "notes": source.notes,
        }


class SourceWriteSerializer(serializers.ModelSerializer):
    authors = serializers.PrimaryKeyRelatedField(queryset=Actor.objects.all(), many=True, required=False)
    text = serializers.CharField(trim_whitespace=False, max_length=2_000_000)
    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Why the text was changed (kept with the revision).",
    )

    class Meta:
        model = Source
        fields = [
            "title",
            "kind",
            "publisher",
            "authors",
            "published_on",
            "published_precision",
            "url",
            "language",
            "text",
            "provenance",
            "notes",
            "reason",
        ]


class PassageSerializer(serializers.ModelSerializer):
    source_title = serializers.CharField(source="source.title", read_only=True)

    class Meta:
        model = Passage
        fields = [
            "id",
            "source",
            "source_title",
            "start",
            "end",
            "exact",
            "prefix",
            "suffix",
            "revision",
            "anchor_status",
            "created_at",
            "modified_at",
        ]


class PassageCreateSerializer(serializers.Serializer):
    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.defer("text"))
    start = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    end = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    exact = serializers.CharField(trim_whitespace=False, max_length=100_000)
    offsets = serializers.ChoiceField(
        choices=["code_points", "utf16"],
        default="code_points",
        help_text="How start and end count: Unicode code points (default) or UTF-16 code units "
        "as a browser's Selection reports them.",
    )
