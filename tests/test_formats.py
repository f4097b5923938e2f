"""Real documents in: HWP, HWPX, PDF (text layer and scanned), DOCX and a saved news page.

The files under tests/fixtures/formats/ are real public documents copied byte for byte (see
tests/fixtures/README.md), except two made for the tests: `synthetic_heading_table.docx` (a heading, a table
with a merged cell, text around it) and `news_openlab_2021.html`, which is NOT a real saved page: it is the article text
of seed 003 put inside hand-made news-site chrome (navigation, share/print menu, ad blocks, comment widget,
related-articles and most-read lists, footer), because no real saved Korean news page could be shipped.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import olefile
import pypdfium2
import pytesseract
import pytest
from fastapi.testclient import TestClient

from assistant.answer import Answer
from assistant.api import create_app
from assistant.citations import Citation, cite
from assistant.cli import _cited_from
from assistant.service import Assistant
from assistant.settings import Settings
from index.chunking import ChunkingParams
from index.documents import SourceDocument
from index.embeddings import SentenceTransformerEmbeddings
from index.errors import InputError, MalformedFileError, UnsupportedFileError
from index.formats import hwp5
from index.formats.base import NoTextError, ProtectedDocumentError
from index.formats.pdf import confident_paragraphs
from index.formats.sniff import OLE_MAGIC
from index.ingest import prepare_document
from index.loaders import collect_files, detect_format, load_document
from tests.conftest import MODEL_CACHE_DIR, SEEDS_DIR, make_settings

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
NOORI_HWP, NOORI_HWPX = "msit_press_20180904_noori.hwp", "msit_press_20180904_noori.hwpx"
PETFOOD, TAXI = "mafra_press_20240305_petfood.hwp", "molit_press_explainer_20240520_taxi.hwpx"
KWATER, REGULATORY = "kwater_press_20260130_bonghwa_dam.pdf", "regulatory_impact_analysis_mobility_act.pdf"
SCANNED, GLOSSARY = "scanned_no_text_layer_c02-22.pdf", "langchain_kr_sample_word_document.docx"
SYNTHETIC_DOCX, NEWS = "synthetic_heading_table.docx", "news_openlab_2021.html"
LIMIT = 20_000_000


def _has_tesseract() -> bool:
    try:
        return {"eng"} <= set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError):
        return False


OCR = _has_tesseract()
needs_ocr = pytest.mark.skipif(not OCR, reason="Tesseract OCR is not installed (run `make ocr`)")


def _bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _load(name: str, as_name: str | None = None) -> str:
    return load_document(_bytes(name), as_name or name, LIMIT).text


def _prepared(name: str) -> SourceDocument:
    return prepare_document(load_document(_bytes(name), name, LIMIT), name, ChunkingParams()).document


@pytest.fixture
def no_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tesseract as if it were not installed."""
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")


# --- format detection -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [(NOORI_HWP, "hwp"), (TAXI, "hwpx"), (KWATER, "pdf"), (SCANNED, "pdf"), (GLOSSARY, "docx"), (NEWS, "html")],
)
def test_the_format_is_read_from_the_bytes_not_the_name(name: str, fmt: str) -> None:
    assert detect_format(_bytes(name), name) == fmt
    assert detect_format(_bytes(name), "misnamed.txt") == fmt


def test_files_with_the_wrong_extension_load_by_their_bytes() -> None:
    # The samples README warns of a .hwp that is really HWPX and the reverse.
    assert _load(NOORI_HWPX, "noori.hwp") == _load(NOORI_HWP, "noori.hwpx") == _load(NOORI_HWP)
    assert "봉화댐" in _load(KWATER, "photo.docx")


def test_collect_files_picks_up_every_format_in_a_folder(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path / "docs")
    (tmp_path / "docs" / "notes.xlsx").write_bytes(b"PK\x03\x04")
    found = {p.name for p in collect_files([tmp_path / "docs"])}
    assert found == {p.name for p in FIXTURES.iterdir()}


# --- HWP / HWPX -------------------------------------------------------------------------------------------


def test_hwp_and_hwpx_twins_give_the_same_sentences_and_the_same_document() -> None:
    hwp, hwpx = _load(NOORI_HWP), _load(NOORI_HWPX)
    assert hwp == hwpx
    for sentence in (
        "우리가 독자 개발하여 최초 발사하는 한국형발사체, 국민이 정한 그 이름은 ｢누리｣",
        "o 4월 27일부터 5월 31일까지 실시한 동 명칭 공모에는 약 6,300여명의 국민이 참여하여 총 10,000건 이상의 "
        "응모작을 제출하여 뜨거운 관심을 보였다.",
        "총 길이 | 47.2 m | 25.8 m",  # the 붙임 comparison table, one row per line
        "붙임 | 한국형발사체(누리호)와 시험발사체 비교",
    ):
        assert sentence in hwp
    assert _prepared(NOORI_HWP).doc_id == _prepared(NOORI_HWPX).doc_id


def test_hwpx_keeps_the_text_after_inline_tags() -> None:
    text = _load(TAXI)
    assert "□ 국토교통부는 택시업계의 원활한 차량수급을 위해, 앞으로도 택시업계 ․지자체 ․ 현대자동차 등" in text
    assert "* 특‧광역시, 시‧군은 사업구역의 도로여건" in text
    assert "차량 생산중단에 대비하여, 택시 차령을 최대 2년 추가연장할 수 있도록 하고 있습니다." in text


def test_hwp_reads_paragraphs_and_header_tables() -> None:
    text = _load(PETFOOD)
    assert "농식품부, 2027년 펫푸드 수출액 5억불 달성을 위한 지원 본격 추진!" in text
    assert "보도시점 | 2024. 3. 5.(화) 17:00 | 배포 | 2024. 3. 5.(화) 09:00" in text
    assert "펫푸드 수출액이 2023년에 1억 5천만 달러로 비약적으로 증가한 것은" in text


def _with_flags(tmp_path: Path, bits: int) -> bytes:
    copy = tmp_path / "protected.hwp"
    shutil.copy(FIXTURES / PETFOOD, copy)
    copy.chmod(0o644)
    with olefile.OleFileIO(str(copy), write_mode=True) as ole:
        header = bytearray(ole.openstream("FileHeader").read())
        struct.pack_into("<I", header, 36, struct.unpack_from("<I", header, 36)[0] | bits)
        ole.write_stream("FileHeader", bytes(header))
    return copy.read_bytes()


@pytest.mark.parametrize(
    ("bits", "words"),
    [(hwp5.PASSWORD, "password"), (hwp5.DISTRIBUTION, "배포용"), (hwp5.DRM, "DRM")],
    ids=["password", "distribution", "drm"],
)
def test_protected_hwp_files_are_refused_clearly(tmp_path: Path, bits: int, words: str) -> None:
    with pytest.raises(ProtectedDocumentError, match=rf"^secret\.hwp: .*{words}") as caught:
        load_document(_with_flags(tmp_path, bits), "secret.hwp", LIMIT)
    assert caught.value.status_code == 422


# --- PDF --------------------------------------------------------------------------------------------------


def test_hancom_pdf_is_reflowed_into_sentences_with_a_page_map() -> None:
    doc = _prepared(KWATER)
    assert "이번 점검은 기습적인 한파 속에서 야외 작업이 불가피한 건설 현장의 안전 사각지대를 없애고," in doc.text
    # A paragraph wrapped inside the word 문화로 at the end of page 1 continues on page 2.
    assert "근로자가 즉각적으로 작업을 중단할 수 있는 권리를 현장 문화로 완전히 안착시킬 것을 당부했다." in doc.text
    assert [p.page for p in doc.pages] == [1, 2, 3, 4]
    on_page_2 = doc.text.index("‘안전기동반’을 임명하는")
    assert doc.page_at(on_page_2) == 2
    assert doc.page_at(doc.text.index("안전 5대 수칙’의 이행 여부")) == 1
    for span in doc.pages:
        assert doc.text[span.start : span.end] == doc.text[span.start : span.end].strip()


def test_pdf_page_numbers_are_dropped_and_tables_read_as_rows() -> None:
    doc = _prepared(REGULATORY)
    assert "- 3 -" not in doc.text and "- 17 -" not in doc.text
    row = "7.규제내용 | 성범죄자･마약사범 등 강력범죄자에 대해 전과별로 2~20년 자격 제한 신설"
    assert row in doc.text
    assert doc.page_at(doc.text.index(row)) == 2
    assert "성범죄ㆍ강력범죄 등을 저지른 자 등을 특별교통수단을 운행하는 운전자 결격사유로 규정하고" in doc.text


def test_a_scanned_pdf_without_ocr_fails_with_the_fix(no_ocr: None) -> None:
    with pytest.raises(NoTextError, match=r"^scan\.pdf: .*OCR is not available.*tesseract-ocr") as caught:
        load_document(_bytes(SCANNED), "scan.pdf", LIMIT)
    assert caught.value.status_code == 422


@needs_ocr
def test_a_scanned_pdf_is_read_by_ocr() -> None:
    doc = _prepared(SCANNED)
    assert "went tip-toeing along a path" in doc.text
    assert [p.page for p in doc.pages] == [1]
    # The page's picture is read as noise Tesseract is unsure of ("00400 ‘ Sl 을"): the chapter heading comes first.
    assert doc.text.startswith("THEY TIP-TOED ALONG.")


def _word_table(lines: list[tuple[int, int, list[tuple[str, float]]]]) -> dict[str, list]:
    """Tesseract's `image_to_data` table for (block, paragraph, words with their confidence) lines."""
    table: dict[str, list] = {"text": [], "conf": [], "block_num": [], "par_num": [], "line_num": []}
    for line_num, (block, paragraph, words) in enumerate(lines, start=1):
        for word, confidence in [("", -1.0), *words]:  # Tesseract lists each line with an empty word first
            for key, value in zip(table, (word, confidence, block, paragraph, line_num), strict=True):
                table[key].append(value)
    return table


def test_ocr_keeps_paragraphs_and_drops_lines_it_is_unsure_of() -> None:
    table = _word_table(
        [
            (1, 1, [("if", 46.0), ("00400", 37.0), ("Sl", 0.0)]),
            (2, 1, [("디지털", 91.0), ("오픈랩은", 88.0), ("tip-", 90.0)]),
            (2, 1, [("toeing", 95.0), ("거점이다.", 40.0)]),  # one unsure word in a sure line stays
            (2, 2, [("Who", 96.0), ("dah?", 93.0)]),
        ]
    )
    assert confident_paragraphs(table) == ["디지털 오픈랩은 tiptoeing 거점이다.", "Who dah?"]


# --- DOCX and HTML ----------------------------------------------------------------------------------------


def test_docx_keeps_body_order_headings_and_tables() -> None:
    loaded = load_document(_bytes(SYNTHETIC_DOCX), SYNTHETIC_DOCX, LIMIT)
    text = loaded.text
    assert text.index("첫 문단입니다.") < text.index("수출액 | 1억 5천만 달러 | 2억 달러") < text.index("표 다음 문단")
    assert text.count("비고: 병합된 셀") == 1
    assert [u.n for u in loaded.units] == [1, 2]
    doc = _prepared(SYNTHETIC_DOCX)
    assert doc.sections[1].section == 2 and doc.text[doc.sections[1].start :].startswith("2. 세부 내용")


def test_real_docx_text_is_what_a_reader_sees() -> None:
    text = _load(GLOSSARY)
    assert "정의: 임베딩은 단어나 문장 같은 텍스트 데이터를 저차원의 연속적인 벡터로 변환하는 과정입니다." in text
    assert "연관키워드: 토큰화, 자연어 처리, 구문 분석" in text


def test_a_news_page_keeps_the_article_and_its_metadata_and_drops_the_chrome() -> None:
    doc = _prepared(NEWS)
    assert (doc.title, doc.outlet, doc.published, doc.format) == (
        "신산업 육성 위한 지자체 ‘연합전선’ 눈길",
        "정보통신신문",
        "2021-06-07",
        "html",
    )
    seed = (SEEDS_DIR / "003_78dce609237370f9.txt").read_text(encoding="utf-8")
    for paragraph in doc.text.split("\n\n"):
        assert paragraph in seed
    assert "본 사업은 2025년까지 총 497억원(국비 470, 지방비 27) 규모의 재원이 투입될 예정이다." in doc.text
    for chrome in ("광고", "로그인", "프린트", "관련기사", "예산 낭비", "많이 본 뉴스", "Copyright", "무단전재"):
        assert chrome not in doc.text


# --- bad files --------------------------------------------------------------------------------------------


def _zip(**parts: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "error", "message"),
    [
        ("cut.pdf", _bytes(KWATER)[:4000], MalformedFileError, "cannot read this PDF"),
        ("fake.pdf", b"just some text", MalformedFileError, "not a valid PDF"),
        ("fake.hwp", b"\x00\x01 not an hwp", MalformedFileError, "not a valid HWP"),
        ("cut.hwpx", _bytes(TAXI)[:5000], MalformedFileError, "not a valid HWPX"),
        ("broken.doc", OLE_MAGIC + b"\x00" * 600, UnsupportedFileError, "unsupported file type"),
        ("broken.hwp", OLE_MAGIC + b"\x00" * 600, MalformedFileError, "not a valid HWP"),
        ("photos.zip.docx", _zip(**{"a.jpg": b"x"}), UnsupportedFileError, "zip archive"),
        ("old.hwp", b"HWP Document File V3.00 \x1a\x01\x02\x03\x04\x05", UnsupportedFileError, "HWP 3"),
        ("sheet.xlsx", b"\x89PNG\r\n", UnsupportedFileError, "unsupported file type"),
    ],
)
def test_bad_files_get_clear_errors(name: str, data: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=f"^{re.escape(name)}: .*{message}"):
        load_document(data, name, LIMIT)


def test_the_size_limit_holds_for_every_format() -> None:
    with pytest.raises(InputError, match="RAG_MAX_FILE_BYTES"):
        load_document(_bytes(KWATER), KWATER, 1000)


# --- provenance, citations and answers over an index of the fixtures ----------------------------------------


def test_citations_carry_the_page_only_where_the_format_has_pages() -> None:
    pdf, hwp = _prepared(KWATER), _prepared(NOORI_HWP)
    start = pdf.text.index("‘안전기동반’")
    assert cite(1, pdf, start, start + 7).page == 2
    assert cite(1, hwp, 0, 10).page is None
    line = _cited_from(cite(3, pdf, start, start + 7))
    assert f"({KWATER} · p. 2)" in line


@pytest.fixture(scope="module")
def formats_settings(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbeddings) -> Settings:
    """An index of every fixture (the scanned PDF too when OCR is installed)."""
    root = tmp_path_factory.mktemp("formats")
    docs = root / "docs"
    shutil.copytree(FIXTURES, docs, ignore=shutil.ignore_patterns(*([] if OCR else [SCANNED])))
    settings = make_settings(root / "data")
    report = Assistant(settings).ingest([docs], progress=False)
    assert report.errors == []
    # The HWPX twin of the noori HWP has the same text: it is the same document, not a second one.
    assert report.unchanged_documents == 1
    return settings


@pytest.fixture(scope="module")
def formats_assistant(formats_settings: Settings) -> Assistant:
    return Assistant(formats_settings)


QUESTIONS = [
    (KWATER, "봉화댐 현장에서 이행 여부를 확인한 옥외작업 안전 5대 수칙은 무엇인가요?", "방한복 착용"),
    (KWATER, "근로자 스스로 안전 조치 이행실태를 점검하도록 한국수자원공사가 임명한 것은?", "‘안전기동반’"),
    (REGULATORY, "특별교통수단 운전자 결격 기준으로 강력범죄자는 전과별로 몇 년 자격이 제한되나요?", "2~20년"),
    (REGULATORY, "결격기간을 정하는 법률 개정은 언제 시행되나요?", "’25.1.17. 시행"),
    ((NOORI_HWP, NOORI_HWPX), "한국형발사체 명칭 공모에는 몇 명의 국민이 참여했나요?", "6,300여명"),
    ((NOORI_HWP, NOORI_HWPX), "누리라는 이름을 제출한 학생은 누구인가요?", "백승엽 학생"),
    (PETFOOD, "2023년 펫푸드 수출액은 얼마였나요?", "1억 5천만 달러"),
    (PETFOOD, "한훈 차관이 방문한 펫푸드 생산공장은 어디에 있나요?", "충북 음성"),
    (TAXI, "택시 차령 연장조례를 제정한 지자체는 몇 곳인가요?", "45개 지자체"),
    (TAXI, "택시용 쏘나타 후속모델은 언제 국내 출고되었나요?", "('24.4)"),
    (GLOSSARY, "임베딩은 텍스트 데이터를 무엇으로 변환하나요?", "저차원의 연속적인 벡터"),
    (GLOSSARY, "토크나이저는 무엇을 하는 도구인가요?", "토큰으로 분할하는 도구"),
    (NEWS, "디지털 오픈랩 사업에 투입되는 재원은 얼마인가요?", "497억원"),
    (NEWS, "경기도는 디지털 오픈랩을 어디에 여나요?", "판교 스타트업 캠퍼스"),
]


def _pdf_page_has(name: str, page: int, fact: str) -> bool:
    """Whether pdfium, an independent reader, finds `fact` (spaces aside) on that page of the PDF."""
    document = pypdfium2.PdfDocument(_bytes(name))
    try:
        text = document[page - 1].get_textpage().get_text_range()
    finally:
        document.close()
    return re.sub(r"\s+", "", fact) in re.sub(r"\s+", "", text)


def _check_citation(citation: Citation, assistant: Assistant, fact: str) -> None:
    """The quote is the document's text at its offsets, and the page is right: for a PDF the one pdfium finds
    the fact on, for the other formats none."""
    document = assistant.index.documents[citation.doc_id]
    assert document.text[citation.start : citation.end] == citation.quote
    assert citation.page == document.page_at(citation.start)
    if fact not in citation.quote:
        return
    if citation.source.endswith(".pdf"):
        assert citation.page is not None and _pdf_page_has(citation.source, citation.page, fact), citation
    else:
        assert citation.page is None


@pytest.fixture(scope="module")
def answers(formats_assistant: Assistant) -> dict[str, Answer]:
    """The assistant's answer to each question (asked once)."""
    return {question: formats_assistant.ask(question) for _, question, _ in QUESTIONS}


@pytest.mark.slow
@pytest.mark.parametrize(("source", "question", "fact"), QUESTIONS, ids=[q[1][:24] for q in QUESTIONS])
def test_facts_inside_each_file_are_found_and_cited_exactly_with_their_page(
    formats_assistant: Assistant, answers: dict[str, Answer], source: str | tuple[str, ...], question: str, fact: str
) -> None:
    sources = source if isinstance(source, tuple) else (source,)
    hits = formats_assistant.search(question, k=5)
    hit = next((r for r in hits if r.document.source in sources and fact in r.chunk.text), None)
    assert hit is not None, f"{fact!r} not retrieved for {question!r}"
    # The retrieved sentence, cited as the answerer cites: exact span, right page.
    start = hit.document.text.index(fact, hit.chunk.start)
    _check_citation(cite(1, hit.document, start, start + len(fact)), formats_assistant, fact)
    assert hit.chunk.pages == [] if not hit.document.pages else hit.document.page_at(start) in hit.chunk.pages
    answer = answers[question]
    for citation in answer.citations:
        _check_citation(citation, formats_assistant, fact)
    assert answer.grounded, answer.answer
    assert any(c.source in sources and fact in c.quote for c in answer.citations), answer.citations
    assert fact in answer.answer


@pytest.mark.slow
@needs_ocr
def test_the_words_of_a_scanned_page_are_searchable(formats_assistant: Assistant) -> None:
    # By its words: an English question in this mostly Korean index weighs Korean chunks up in hybrid search.
    top = formats_assistant.search("tip-toeing along a path", k=3, mode="bm25")[0]
    assert top.document.source == SCANNED and top.chunk.pages == [1]


@pytest.mark.slow
def test_show_json_has_the_page_markers(formats_settings: Settings) -> None:
    env = {**os.environ, "RAG_DATA_DIR": str(formats_settings.data_dir), "RAG_MODEL_CACHE_DIR": str(MODEL_CACHE_DIR)}
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "show", KWATER, "--json"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["format"] == "pdf" and [p["page"] for p in shown["pages"]] == [1, 2, 3, 4]
    second = shown["pages"][1]
    assert "안전기동반" in shown["text"][second["start"] : second["end"]]
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "search", "안전기동반", "--json", "--standalone"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = next(r for r in json.loads(done.stdout)["results"] if r["source"] == KWATER and "안전기동반" in r["text"])
    assert 2 in found["pages"] and found["sections"] == []  # a journalist can go to the page


# --- identity: same name, other content -------------------------------------------------------------------


@pytest.mark.slow
def test_a_different_file_with_an_indexed_name_is_kept_beside_it_unless_replaced(
    tmp_path: Path, embedder: SentenceTransformerEmbeddings
) -> None:
    settings = make_settings(tmp_path / "data")
    assistant = Assistant(settings)
    first, second = tmp_path / "a" / "press.hwp", tmp_path / "b" / "press.hwp"
    first.parent.mkdir()
    second.parent.mkdir()
    shutil.copy(FIXTURES / PETFOOD, first)
    shutil.copy(FIXTURES / NOORI_HWPX, second)  # an HWPX named .hwp, and another document

    assert assistant.ingest([first], progress=False).added_documents == 1
    again = assistant.ingest([first], progress=False)
    assert (again.added_documents, again.unchanged_documents, again.warnings) == (0, 1, [])

    both = assistant.ingest([second], progress=False)
    assert (both.added_documents, both.replaced_documents, both.documents) == (1, 0, 2)
    assert "rag ingest --replace press.hwp" in both.warnings[0]

    with pytest.raises(InputError, match=r"--replace other\.hwp"):
        assistant.ingest([second], progress=False, replace=["other.hwp"])
    replaced = assistant.ingest([second], progress=False, replace=["press.hwp"])
    assert (replaced.unchanged_documents, replaced.replaced_documents, replaced.documents) == (1, 1, 1)
    assert "누리" in assistant.document("press.hwp").text


# --- upload -----------------------------------------------------------------------------------------------


@pytest.fixture
def upload_client(tmp_path: Path, formats_settings: Settings) -> Iterator[TestClient]:
    data_dir = tmp_path / "data"
    shutil.copytree(formats_settings.data_dir, data_dir)
    with TestClient(create_app(make_settings(data_dir), ui=False)) as client:
        yield client


@pytest.mark.slow
def test_upload_accepts_every_format_and_refuses_bad_files_clearly(
    upload_client: TestClient, tmp_path: Path, no_ocr: None
) -> None:
    def post(name: str, data: bytes) -> tuple[int, dict]:
        response = upload_client.post("/api/documents", files={"file": (name, data, "application/octet-stream")})
        return response.status_code, response.json()

    status, body = post("보도자료", _bytes(PETFOOD))  # no extension: told by its bytes
    assert status == 200 and body["status"] == "unchanged" and body["document"]["source"] == PETFOOD

    document = docx.Document()
    document.add_heading("세종시 자율주행 버스", level=1)
    document.add_paragraph("세종시는 2027년까지 자율주행 버스 노선을 12개로 늘린다.")
    buffer = io.BytesIO()
    document.save(buffer)
    status, body = post("세종 버스 계획", buffer.getvalue())
    assert status == 201 and body["status"] == "added" and body["filename"] == "세종_버스_계획.docx"
    hit = upload_client.post("/api/search", json={"query": "세종시 자율주행 버스 노선", "top_k": 1}).json()
    assert hit["results"][0]["doc_id"] == body["document"]["doc_id"]

    status, body = post("press.txt", _bytes(REGULATORY)[:2000])  # a cut PDF named .txt
    assert status == 422 and "press.txt" in body["detail"]
    assert post("secret.hwp", _with_flags(tmp_path, hwp5.PASSWORD))[0] == 422
    assert post("scan.pdf", _bytes(SCANNED))[0] == 422  # OCR unavailable here: never an empty document
    assert post("old.doc", OLE_MAGIC + b"\x00" * 600)[0] == 415
