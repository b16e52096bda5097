"""Domain models: rating bands, clause ids and the property round trip."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kg.models import Clause, Indicator, RatingBands, from_properties, to_properties


@pytest.mark.parametrize(
    ("value", "comparator", "grade"),
    [
        (100.0, ">=", "优秀"),
        (98.5, ">=", "合格"),
        (97.9, ">=", "待改进"),
        (0.0, "<=", "优秀"),
        (0.5, "<=", "合格"),
        (2.0, "<=", "待改进"),
        (0.0, "=", "优秀"),
    ],
)
def test_rating_bands_follow_the_comparator(value: float, comparator: str, grade: str) -> None:
    higher = RatingBands(excellent=100.0, qualified=98.0)
    lower = RatingBands(excellent=0.0, qualified=1.0)
    bands = higher if comparator == ">=" else lower
    assert bands.grade(value, comparator) == grade  # type: ignore[arg-type]


def test_clause_ids() -> None:
    assert Clause.make_id("安全生产法", 28) == "安全生产法#28"
    assert Clause.make_id("安全生产法", 28, 2) == "安全生产法#28.2"
    assert Clause.make_id("安全生产法", 28, 2, 3) == "安全生产法#28.2.3"


def test_properties_round_trip_nested_bands() -> None:
    ind = Indicator(
        id="i", name="n", level="部门", target=1.0, comparator="<=", bands=RatingBands(excellent=0, qualified=1)
    )
    props = to_properties(ind)
    assert isinstance(props["bands"], str)
    assert from_properties(Indicator, props) == ind


def test_target_needs_a_comparator() -> None:
    with pytest.raises(ValidationError, match="comparator"):
        Indicator(id="i", name="n", level="部门", target=1.0)
