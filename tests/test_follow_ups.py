"""Follow-up development conversations: a question naming its article's subject, asked again with 그."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.follow_ups import follow_up_conversations, subject_name, with_pronoun
from eval.qa import QAItem
from index.documents import SourceDocument
from tests.conftest import rag

ARTICLE = (
    "김철수\n김철수는 1970년 대구에서 태어났다. 그는 경북대학교를 졸업했다. "
    "김철수는 2010년 대구시장에 당선되었다. 임기 중 그는 도시철도 3호선을 개통했다."
)


def _item(item_id: str, question: str, evidence: str, answer: str, doc: str = "kim.txt") -> QAItem:
    return QAItem(id=item_id, question=question, answer=answer, doc=doc, evidence=evidence)


ITEMS = [
    _item("q1", "김철수는 몇 년에 태어났나?", "김철수는 1970년 대구에서 태어났다.", "1970년"),
    _item("q2", "김철수가 당선된 직책은?", "김철수는 2010년 대구시장에 당선되었다.", "대구시장"),
    _item("q3", "도시철도 3호선을 개통한 사람은?", "임기 중 그는 도시철도 3호선을 개통했다.", "김철수"),
    _item("q4", "광주 센터는 언제 문을 열었나?", "센터는 2021년에 문을 열었다.", "2021년", doc="center.txt"),
]
DOCUMENTS = [
    SourceDocument(doc_id="k", source="kim.txt", title="김철수", text=ARTICLE),
    SourceDocument(doc_id="c", source="center.txt", title="광주 센터 (2021년)", text="센터는 2021년에 문을 열었다."),
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("김철수는 몇 년에 태어났나?", "그는 몇 년에 태어났나?"),
        ("김철수가 당선된 직책은?", "그가 당선된 직책은?"),
        ("김철수의 고향은?", "그의 고향은?"),
        ("김철수이 아닌 사람은?", "그가 아닌 사람은?"),  # the particle takes its form after 그
        ("대구시장은 누구인가?", "대구시장은 누구인가?"),  # not named: unchanged
        ("전 김철수는 누구인가?", "전 그는 누구인가?"),
        ("박김철수는 누구인가?", "박김철수는 누구인가?"),  # inside another word: not the name
    ],
)
def test_the_name_and_its_particle_become_the_pronoun(question: str, expected: str) -> None:
    assert with_pronoun(question, "김철수") == expected


def test_the_subject_is_the_title_without_its_parenthesis() -> None:
    assert subject_name("광주 센터 (2021년)") == "광주 센터"
    assert subject_name("김철수") == "김철수"


def test_each_question_naming_the_subject_follows_another_that_names_it() -> None:
    conversations = follow_up_conversations(ITEMS, DOCUMENTS)
    assert [c.id for c in conversations] == ["q1-follow-up", "q2-follow-up"]  # q3 names no one, q4 is alone
    first, second = conversations
    assert first.type == "conversation" and first.question is None
    assert first.turns == ["김철수가 당선된 직책은?", "그는 몇 년에 태어났나?"]
    assert second.turns == ["김철수는 몇 년에 태어났나?", "그가 당선된 직책은?"]
    assert (first.answer, first.evidence, first.doc) == ("1970년", ITEMS[0].evidence, "kim.txt")
    assert follow_up_conversations(ITEMS, DOCUMENTS) == conversations  # the same every run


def test_rag_eval_asks_the_follow_ups_of_a_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "kim.txt").write_text(ARTICLE, encoding="utf-8")
    (corpus / "center.txt").write_text("광주 센터\n센터는 2021년에 문을 열었다.", encoding="utf-8")
    qa = tmp_path / "qa.jsonl"
    qa.write_text("".join(item.model_dump_json() + "\n" for item in ITEMS), encoding="utf-8")
    data = tmp_path / "data"
    run = rag(data, "eval", "--qa", str(qa), "--corpus", str(corpus), "--follow-ups", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    metrics = json.loads(run.stdout)
    assert metrics["by_type"]["conversation"]["items"] == 2 and set(metrics["by_type"]) == {"conversation"}
    assert metrics["followup_accuracy"] is not None
    alone = tmp_path / "alone.jsonl"
    alone.write_text(ITEMS[3].model_dump_json() + "\n", encoding="utf-8")
    refused = rag(data, "eval", "--qa", str(alone), "--corpus", str(corpus), "--follow-ups", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""  # a user error, after the corpus's progress bars
    assert refused.stderr.splitlines()[-1].startswith("error: ") and "no follow-ups" in refused.stderr
