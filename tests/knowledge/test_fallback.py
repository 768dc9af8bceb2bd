"""The n-gram fallback: trained on catalogue names, calibrated on held-out folds, asking when it is not sure."""

from __future__ import annotations

import math

from knowledge.catalogue import bundled_catalogue
from knowledge.core import KnowledgeBase
from knowledge.fallback import ANSWER_AT, TEMPERATURE, NgramModel, features, folds
from knowledge.normalize import normalize

TOY = [
    ("苹果皮", "厨余垃圾"),
    ("香蕉皮", "厨余垃圾"),
    ("西瓜皮", "厨余垃圾"),
    ("塑料瓶", "可回收物"),
    ("玻璃瓶", "可回收物"),
    ("饮料瓶", "可回收物"),
    ("纸巾", "其他垃圾"),
    ("湿巾", "其他垃圾"),
]


def test_features_read_the_end_of_the_name() -> None:
    grams = features("橘子皮")
    assert {"END1:皮", "END2:子皮", "END3:橘子皮", "^橘", "皮$", "子皮"} <= set(grams)


def test_a_new_name_takes_the_bin_of_names_that_end_alike() -> None:
    model = NgramModel(TOY)
    assert model.predict("橘子皮").category == "厨余垃圾"
    assert model.predict("酱油瓶").category == "可回收物"
    assert model.predict("面巾").category == "其他垃圾"


def test_probabilities_are_ranked_and_sum_to_one() -> None:
    prediction = NgramModel(TOY).predict("橘子皮")
    probabilities = [p for _, p in prediction.ranked]
    assert probabilities == sorted(probabilities, reverse=True)
    assert math.isclose(sum(probabilities), 1.0)
    assert prediction.top_two >= prediction.probability


def test_a_higher_temperature_is_less_sure() -> None:
    model = NgramModel(TOY)
    assert model.predict("橘子皮", temperature=8).probability < model.predict("橘子皮", temperature=1).probability


def test_folds_hold_every_name_out_once() -> None:
    split = folds(TOY, k=4)
    held = [name for _, test in split for name, _ in test]
    assert sorted(held) == sorted(name for name, _ in TOY)
    assert all(not set(train) & set(test) for train, test in split)


def test_the_threshold_keeps_held_out_answers_precise() -> None:
    """The threshold in use gives >= 95% precision on names the model did not see (bench/fallback_curve.py)."""
    entries, _ = bundled_catalogue()
    data = sorted({normalize(s): e.category for e in entries for s in e.surfaces if not s.isascii()}.items())
    answered = right = 0
    for train, test in folds(data):
        model = NgramModel(train, temperature=TEMPERATURE)
        for name, category in test:
            prediction = model.predict(name)
            if prediction.probability >= ANSWER_AT:
                answered += 1
                right += prediction.category == category
    assert answered >= len(data) * 0.3
    assert right / answered >= 0.95


def test_below_the_threshold_the_bot_asks_between_the_two_likeliest_bins(kb: KnowledgeBase) -> None:
    answer = kb.answer("奖杯扔哪")
    assert answer.intent == "clarify" and answer.source == "model:ngram"
    assert [c.key for c in answer.choices] == ["1", "2"]
    assert answer.pending is not None and answer.pending["guess"] is True
    assert answer.extra["unknown"] == ["奖杯"]  # staff still see it in the unanswered queue
    chosen = kb.resolve(answer.pending, "2")
    assert chosen is not None and chosen.intent == "sorting"
    assert chosen.items[0].category == answer.pending["options"][1] and "奖杯" in chosen.text
    named = kb.resolve(answer.pending, answer.pending["options"][0])
    assert named is not None and named.items[0].category == answer.pending["options"][0]
    unsure = kb.resolve(answer.pending, "不知道")
    assert unsure is not None and unsure.intent == "unknown" and "一般规则" in unsure.text
    assert kb.resolve(answer.pending, "纸巾扔哪") is None  # a new question is answered on its own
    again = kb.resolve(answer.pending, "3")
    assert again is not None and again.intent == "clarify" and again.text.startswith("请回复 1 到 2")
    none = kb.resolve(answer.pending, "都不是")  # asked again with how to describe it (#13 §2: never the fallback)
    assert none is not None and none.intent == "clarify" and "什么做的" in none.text and none.pending is not None
    assert len(none.choices) == len(answer.choices)


def test_an_faq_beats_the_models_question(kb: KnowledgeBase) -> None:
    assert kb.answer("快递包装怎么处理").intent == "faq"


def test_scores_are_the_naive_bayes_sums_feature_by_feature() -> None:
    model = NgramModel(TOY)
    for name in ["橘子皮", "塑料袋", "量子纠缠器", "皮", "湿纸巾", "橘子皮"]:  # the last one reads remembered rows
        expected = dict(model.prior)
        for feature in features(name):
            if not any(feature in model.counts[c] for c in model.classes):
                continue  # never seen in training
            for c in model.classes:
                n = model.counts[c].get(feature)
                expected[c] += model.unseen[c] if n is None else math.log(n + 0.1) - model.log_denominator[c]
        assert model.scores(name) == expected, name
