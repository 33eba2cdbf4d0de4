"""Subgroup metrics: age bands, counts, flags, the same CIs as the bootstrap on the subset, table and chart."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lesionkit.errors import DataError
from lesionkit.evaluation.stats.confidence import Interval, bootstrap_ci
from lesionkit.evaluation.stats.metrics import MetricInputError
from lesionkit.evaluation.stats.subgroups import AGE_BANDS, age_band, subgroup_metrics


@pytest.fixture(scope="module")
def study() -> dict[str, object]:
    """400 cases with ISIC-like metadata; one site with no melanoma, one rare site."""
    rng = np.random.default_rng(0)
    n = 400
    y = (rng.random(n) < 0.3).astype(int)
    ages: list[object] = list(rng.choice([15, 25, 35, 50, 65, 80, 85], n).astype(float))
    ages[:10] = [None] * 10
    sex = list(rng.choice(["male", "female"], n))
    sex[10:15] = [None] * 5
    site = list(rng.choice(["torso", "lower extremity", "head/neck"], n))
    for i in np.flatnonzero(y == 0)[:40]:
        site[i] = "upper extremity"  # only negatives
    for i in range(5):
        site[int(np.flatnonzero(y == 1)[i])] = "palms/soles"  # 5 cases: too few
    scores = np.clip(0.35 * y + 0.65 * rng.random(n), 0, 1)
    return {"y": y, "p": scores, "meta": {"age_approximate": ages, "sex": sex, "anatom_site_general": site}}


def test_age_bands_and_their_edges() -> None:
    assert [age_band(a) for a in (0, 29.9, 30, 44, 45, 59.5, 60, 74.9, 75, 90)] == [
        "<30",
        "<30",
        "30-44",
        "30-44",
        "45-59",
        "45-59",
        "60-74",
        "60-74",
        ">=75",
        ">=75",
    ]
    assert {age_band(a) for a in (None, math.nan, "", "unknown", "abc", -3, math.inf)} == {"unknown"}
    assert age_band("55") == "45-59"


def test_groups_counts_and_order(study: dict) -> None:
    t = subgroup_metrics(study["y"], study["p"], study["meta"], n_resamples=100)
    by_column: dict[str, list] = {}
    for r in t.rows:
        by_column.setdefault(r.column, []).append(r)
    assert [r.group for r in by_column["all"]] == ["all"]
    assert [r.group for r in by_column["age_approximate"]] == [*AGE_BANDS, "unknown"]
    assert [r.group for r in by_column["sex"]] == ["female", "male", "unknown"]
    assert [r.group for r in by_column["anatom_site_general"]] == [
        "head/neck",
        "lower extremity",
        "palms/soles",
        "torso",
        "upper extremity",
    ]
    y = study["y"]
    for column, rows in by_column.items():
        assert sum(r.n for r in rows) == len(y), column
        assert sum(r.positives for r in rows) == int(y.sum()), column
    unknown_age = by_column["age_approximate"][-1]
    assert (unknown_age.n, unknown_age.positives) == (10, int(y[:10].sum()))


def test_group_intervals_are_the_bootstrap_on_the_subset(study: dict) -> None:
    t = subgroup_metrics(study["y"], study["p"], study["meta"], columns=["sex"], threshold=0.6, n_resamples=150, seed=3)
    female = next(r for r in t.rows if r.group == "female")
    members = np.array([s == "female" for s in study["meta"]["sex"]])
    direct = bootstrap_ci(
        study["y"][members],
        study["p"][members],
        ["roc_auc", "sensitivity", "specificity"],
        threshold=0.6,
        n_resamples=150,
        seed=3,
    )
    for name in ("roc_auc", "sensitivity", "specificity"):
        assert female.metrics[name] == direct[name]
    overall = t.rows[0]
    assert overall.metrics["roc_auc"].estimate == pytest.approx(
        bootstrap_ci(study["y"], study["p"], ["roc_auc"], n_resamples=10)["roc_auc"].estimate
    )


def test_small_and_single_class_groups_are_shown_but_flagged(study: dict) -> None:
    t = subgroup_metrics(study["y"], study["p"], study["meta"], columns=["anatom_site_general"], n_resamples=100)
    rows = {r.group: r for r in t.rows}
    palms, upper = rows["palms/soles"], rows["upper extremity"]
    assert palms.n == 5 and palms.flag == "n=5 < 30; no negatives"
    assert math.isnan(palms.metrics["roc_auc"].estimate) and math.isnan(palms.metrics["specificity"].estimate)
    palm_scores = study["p"][np.flatnonzero(study["y"] == 1)[:5]]
    assert palms.metrics["sensitivity"].estimate == pytest.approx(np.mean(palm_scores > 0.5))
    assert upper.flag == "no positives" and upper.positives == 0 and upper.n >= 30
    assert math.isnan(upper.metrics["roc_auc"].estimate) and math.isnan(upper.metrics["sensitivity"].low)
    assert not math.isnan(upper.metrics["specificity"].low)  # negatives alone still define specificity
    assert rows["torso"].flag is None
    assert {r.group for r in t.flagged()} == {"palms/soles", "upper extremity"}
    assert (
        subgroup_metrics(study["y"], study["p"], study["meta"], columns=["sex"], min_size=500, n_resamples=20)
        .rows[0]
        .flag
        == "n=400 < 500"
    )


def test_single_class_group_sensitivity_is_its_hit_rate() -> None:
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 0])
    p = np.array([0.9, 0.8, 0.3, 0.7, 0.1, 0.6, 0.2, 0.3, 0.9, 0.1])
    t = subgroup_metrics(y, p, {"site": ["a"] * 4 + ["b"] * 6}, n_resamples=50)
    a = next(r for r in t.rows if r.group == "a")
    assert a.metrics["sensitivity"].estimate == 0.75 and a.flag == "n=4 < 30; no negatives"


def test_table_text_json_and_chart(study: dict, tmp_path: Path) -> None:
    t = subgroup_metrics(study["y"], study["p"], study["meta"], n_resamples=100)
    text = t.table()
    lines = text.splitlines()
    assert lines[0].split() == ["column", "group", "n", "positives", "roc_auc", "sensitivity", "specificity", "flag"]
    palms = next(line for line in lines if "palms/soles" in line)
    assert "n/a" in palms and "n=5 < 30; no negatives" in palms
    assert "95 % stratified bootstrap intervals (100 resamples)" in text
    data = json.loads(json.dumps(t.to_dict(), allow_nan=False))
    assert data["rows"][0]["group"] == "all" and data["min_size"] == 30
    assert len(data["rows"]) == len(t.rows) and data["rows"][0]["roc_auc_ci"][0] is not None
    out = t.plot(tmp_path / "subgroups.png", metric="sensitivity")
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size[0] > 600
    with pytest.raises(MetricInputError, match="not in this table"):
        t.plot(tmp_path / "x.png", metric="average_precision")


def test_bad_metadata_is_refused_with_the_column_named(study: dict) -> None:
    with pytest.raises(DataError, match=r"no column\(s\) \['site'\]"):
        subgroup_metrics(study["y"], study["p"], study["meta"], columns=["site"])
    with pytest.raises(DataError, match="'sex' has 3 values for 400 cases"):
        subgroup_metrics(study["y"], study["p"], {"sex": ["f", "m", "f"]})
    with pytest.raises(MetricInputError, match="unknown metric"):
        subgroup_metrics(study["y"], study["p"], study["meta"], metrics=["auc"])


def test_interval_cells() -> None:
    assert Interval(0.8, 0.7, 0.9).text(3) == "0.800 (0.700-0.900)"
    assert Interval(0.8, math.nan, math.nan).text(3) == "0.800"
    assert Interval(math.nan, math.nan, math.nan).text(3) == "n/a"
