"""Near-miss development questions: a question asked of its article with its evidence sentence taken out."""

from __future__ import annotations

from pathlib import Path

from eval.near_miss import near_miss_corpora, near_miss_rounds, removable
from eval.qa import QAItem


def _item(item_id: str, doc: str, evidence: str, answer: str) -> QAItem:
    return QAItem(id=item_id, question=f"{answer}은 무엇인가?", answer=answer, doc=doc, evidence=evidence)


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    files = {
        "a-1.txt": "대구 공장\n공장은 2019년에 지어졌다. 연간 500톤을 생산한다.",
        "a-2.txt": "대구 공장\n공장장은 김철수이다. 직원은 120명이다.",
        "b-1.txt": "광주 센터\n센터는 2021년에 문을 열었다. 2021년 예산은 30억원이다.",
    }
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus


def test_a_question_is_a_near_miss_only_when_its_answer_leaves_the_article_with_its_evidence(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    built = _item("q1", "a-1.txt", "공장은 2019년에 지어졌다.", "2019년")
    opened = _item("q2", "b-1.txt", "센터는 2021년에 문을 열었다.", "2021년")  # 2021년 stays in the next sentence
    factory = [(corpus / name).read_text(encoding="utf-8") for name in ("a-1.txt", "a-2.txt")]
    assert removable(built, factory[0], "\n".join(factory))
    text = (corpus / "b-1.txt").read_text(encoding="utf-8")
    assert not removable(opened, text, text)
    elsewhere = _item("q3", "a-2.txt", "직원은 120명이다.", "500톤")  # the answer is in the article's other file
    assert not removable(elsewhere, factory[1], "\n".join(factory))


def test_rounds_take_one_question_per_file_and_copies_lack_only_that_evidence(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    items = [
        _item("q1", "a-1.txt", "공장은 2019년에 지어졌다.", "2019년"),
        _item("q2", "a-1.txt", "연간 500톤을 생산한다.", "500톤"),
        _item("q3", "a-2.txt", "공장장은 김철수이다.", "김철수"),
        QAItem(id="u1", question="센터장은 누구인가?", answer=""),  # unanswerable: never a near miss
    ]
    rounds = near_miss_rounds(corpus, items, rounds=3)
    assert [sorted(r) for r in rounds] == [["a-1.txt", "a-2.txt"], ["a-1.txt"], []]
    assert {r["a-1.txt"].id for r in rounds[:2]} == {"q1", "q2"}
    (copy, chosen), *_ = near_miss_corpora(corpus, items, 1, tmp_path / "near")
    for item in chosen:
        text = (copy / (item.doc or "")).read_text(encoding="utf-8")
        assert (item.evidence or "") not in text and item.answer not in text
    untouched = (corpus / "b-1.txt").read_text(encoding="utf-8")
    assert (copy / "b-1.txt").read_text(encoding="utf-8") == untouched
    other = next(i for i in items[:2] if i not in chosen)
    assert (other.evidence or "") in (copy / "a-1.txt").read_text(encoding="utf-8")
