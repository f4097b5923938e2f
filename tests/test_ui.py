"""The UI: its pure HTML rendering, `gradio_client` chatting through the live server, and headless Chromium."""

from __future__ import annotations

import base64
import re
import shutil
from collections.abc import Iterator
from html import escape as escape_html
from html import unescape
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file

from assistant.answer import ShortAnswerSpan
from assistant.citations import Citation
from assistant.claims import ClaimCheck
from assistant.service import Assistant
from assistant.settings import PROJECT_ROOT, Settings
from index.documents import SourceDocument
from tests.conftest import LiveServer, age_index, make_settings
from ui import render
from ui.app import documents_table, upload_label
from ui.i18n import LABELS, label

REPORTS = PROJECT_ROOT / "eval" / "reports"
KO_QUESTION = "광주 AI 집적단지에 투자되는 금액은?"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else shutil.which("chromedriver")

DOC = SourceDocument(
    doc_id="d1", source="a.txt", title="광주 <AI> 단지", outlet="광주일보", published="2020-07-15",
    regions=["광주"], text="첫 문장이다. 광주는 4000억 원을 투자한다. 마지막 <b>문장</b>이다.",
)


def cite(n: int = 1, document: SourceDocument = DOC, quote: str = "광주는 4000억 원을 투자한다.") -> Citation:
    start = document.text.index(quote)
    return Citation(
        n=n, doc_id=document.doc_id, source=document.source, title=document.title, outlet=document.outlet,
        published=document.published, quote=quote, start=start, end=start + len(quote),
    )


# --- pure rendering ----------------------------------------------------------------------------------------------


def test_answer_html_links_each_cited_marker_and_escapes_the_rest() -> None:
    html = render.answer_html("광주는 4000억 원을 투자한다. [1] <script>x</script> *별* [7]", [cite()])
    c = cite()
    assert f'<a href="#cite/1/d1/{c.start}/{c.end}" class="cite-ref" title="광주 &lt;AI&gt; 단지">[1]</a>' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert r"\*별\*" in html and r"\[7\]" in html  # Markdown shows them as typed; [7] has no citation


def test_answer_html_shows_the_short_answer_first_and_links_carry_its_offsets() -> None:
    c = cite()
    span = ShortAnswerSpan(doc_id="d1", start=c.start + 4, end=c.start + 10)
    html = render.answer_html("4000억 원\n광주는 4000억 원을 투자한다. [1]", [c], "4000억 원", span)
    assert html.startswith('<strong class="short-answer">4000억 원</strong><br>')
    assert f'href="#cite/1/d1/{c.start}/{c.end}/{span.start}/{span.end}"' in html
    outside = ShortAnswerSpan(doc_id="d1", start=0, end=2)  # not inside the citation: no offsets
    assert f'href="#cite/1/d1/{c.start}/{c.end}"' in render.answer_html("x [1]", [c], None, outside)


def test_source_html_marks_the_short_answer_inside_the_quote() -> None:
    c = cite()
    answer = (c.start + 4, c.start + 10)
    html = render.source_html(DOC, c.start, c.end, 1, "ko", answer=answer)
    inner = re.findall(r'<strong class="answer-mark">(.*?)</strong>', html)
    assert inner == [DOC.text[answer[0] : answer[1]]] * 2
    assert html.count("<mark>") == 2


def test_answer_html_escapes_a_leading_heading_or_list_marker() -> None:
    assert render.answer_html("# 제목", []).startswith(r"\#")
    assert render.answer_html("1. 항목", []).startswith(r"1\.")


def test_citation_list_has_one_button_per_citation_with_its_span() -> None:
    second = cite(2, quote="첫 문장이다.")
    html = render.citation_list_html([cite(), second], "ko")
    assert html.count('class="cite-btn"') == 2
    assert f'data-n="2" data-doc="d1" data-start="{second.start}" data-end="{second.end}"' in html
    assert "광주일보 · 2020-07-15 · a.txt" in html and "광주 &lt;AI&gt; 단지" in html
    assert label("en", "no_citations") in render.citation_list_html([], "en")


def test_source_html_highlights_exactly_the_quote_in_context() -> None:
    c = cite()
    html = render.source_html(DOC, c.start, c.end, 1, "ko")
    marks = re.findall(r"<mark>(.*?)</mark>", html)
    assert marks == [c.quote, c.quote]  # in the context and in the whole text
    assert "광주 &lt;AI&gt; 단지" in html and "광주일보" in html and "2020-07-15" in html
    assert "&lt;b&gt;문장&lt;/b&gt;" in html and "<b>" not in html
    assert label("ko", "full_document") in html


def test_source_html_trims_long_context_to_whole_words() -> None:
    text = " ".join(f"w{i}" for i in range(400))
    doc = DOC.model_copy(update={"text": text})
    start = text.index("w200 ")
    html = render.source_html(doc, start, start + 4, 1, "en", context=30)
    context = re.search(r'<blockquote class="source-context">(.*?)</blockquote>', html).group(1)  # type: ignore[union-attr]
    assert context.startswith("…w19") and context.endswith("…") and "<mark>w200</mark>" in context
    assert all(re.fullmatch(r"w\d+", word) for word in re.sub(r"</?mark>|…", "", context).split())


@pytest.mark.parametrize(("start", "end"), [(5, 5), (-1, 3), (0, 10_000)])
def test_source_html_refuses_a_bad_span(start: int, end: int) -> None:
    assert label("en", "source_missing") in render.source_html(DOC, start, end, 1, "en")
    assert label("ko", "source_missing") in render.source_html(None, 0, 1, 1, "ko")


def test_context_bounds_cover_the_span() -> None:
    text = "가나다 라마바 사아자 차카타 파하"
    assert render.context_bounds(text, 8, 11, context=2) == (4, 15)
    assert render.context_bounds(text, 0, 3, context=100) == (0, len(text))


@pytest.mark.parametrize(
    ("verdict", "colour", "ko", "en"),
    [
        ("supported", "#1a7f37", "사실로 확인됨", "Supported"),
        ("contradicted", "#cf222e", "사실과 다름", "Contradicted"),
        ("not_found", "#6e7781", "문서에서 확인 불가", "Not found"),
    ],
)
def test_verdict_badges_are_colour_coded(verdict: str, colour: str, ko: str, en: str) -> None:
    assert f"background:{colour}" in render.verdict_badge(verdict, "ko")
    assert ko in render.verdict_badge(verdict, "ko") and en in render.verdict_badge(verdict, "en")


def test_claim_html_shows_verdict_conflict_and_quoted_evidence() -> None:
    check = ClaimCheck(
        claim="광주는 5000억 원을 투자한다.", language="ko", verdict="contradicted",
        explanation="주장은 5000억이지만 출처는 4000억입니다.", conflict="4000억 원", evidence=[cite()],
    )
    html = render.claim_html(check, "ko")
    assert "verdict-contradicted" in html and "<mark>4000억 원</mark>" in html
    assert "“광주는 4000억 원을 투자한다.”" in html and "광주일보" in html
    empty = render.claim_html(check.model_copy(update={"evidence": [], "conflict": None}), "en")
    assert label("en", "no_evidence") in empty and "<mark>" not in empty


def test_the_documents_tab_says_when_an_older_chunker_cut_the_index_until_it_is_cut_again(
    tmp_path: Path, seed_settings: Settings
) -> None:
    shutil.copytree(seed_settings.data_dir, tmp_path / "data")
    settings = make_settings(tmp_path / "data")
    age_index(settings.resolved_index_dir)
    notice = "<p class='doc-warning'>"
    assistant = Assistant(settings)
    aged = documents_table(assistant, "ko")
    assert notice in aged and escape_html(label("ko", "index_outdated")) in aged
    note = tmp_path / "note.txt"
    note.write_text("세종시 메모\n\n세종시는 자율주행 셔틀을 도입한다.\n", encoding="utf-8")
    assistant.ingest([note], progress=False)
    assert notice not in documents_table(assistant, "en")
    assistant.close()


def test_the_upload_box_names_every_format_it_takes() -> None:
    for lang in LABELS:
        named = re.search(r"\(([^()]*)\)$", upload_label(lang))
        assert named is not None
        assert set(named.group(1).split(", ")) == {".docx", ".htm", ".html", ".hwp", ".hwpx", ".md", ".pdf", ".txt"}


def test_documents_html_lists_metadata_newest_first() -> None:
    older = DOC.model_copy(update={"doc_id": "d0", "source": "old.txt", "published": "2019-01-01", "outlet": None})
    html = render.documents_html([older, DOC], "en", "2 documents")
    assert html.index("a.txt") < html.index("old.txt")
    assert html.count("<tr>") == 3 and "<td data-label='Outlet'>—</td>" in html and "2 documents" in html


def test_every_label_exists_in_both_languages() -> None:
    assert LABELS["ko"].keys() == LABELS["en"].keys()
    assert label("fr", "send") == LABELS["ko"]["send"]


# --- gradio_client through the live UI ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ui_client(live_server: LiveServer) -> Client:
    return Client(f"{live_server.url}/", verbose=False)


def last_message(history: list[dict]) -> str:
    content = history[-1]["content"]
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


def test_gradio_client_chats_with_memory_and_sources(ui_client: Client, live_server: LiveServer) -> None:
    history, citations, status, textbox = ui_client.predict(KO_QUESTION, [], "ko", api_name="/chat")
    answer = last_message(history)
    assert "4000억" in answer and 'class="cite-ref"' in answer and textbox == ""
    assert 'class="cite-btn"' in citations
    session_id = re.search(r"`([0-9a-f]{32})`", status).group(1)  # type: ignore[union-attr]

    _, _, follow_status, _ = ui_client.predict("그 단지는 어느 도시에 있나요?", history, "ko", api_name="/chat")
    assert session_id in follow_status  # the same conversation, kept in the UI session's state
    turns = httpx.get(f"{live_server.url}/api/sessions/{session_id}", timeout=30).json()["turns"]
    assert [t["question"] for t in turns] == [KO_QUESTION, "그 단지는 어느 도시에 있나요?"]

    doc_id, start, end = re.search(r'data-doc="(\w+)" data-start="(\d+)" data-end="(\d+)"', citations).groups()  # type: ignore[union-attr]
    panel = ui_client.predict(doc_id, int(start), int(end), 1, "ko", api_name="/source")
    text = httpx.get(f"{live_server.url}/api/documents/{doc_id}", timeout=30).json()["text"]
    assert f"<mark>{text[int(start):int(end)]}</mark>" in unescape(panel)


REFUSED_QUESTION = "대구 주행시험장을 짓는 데 들어간 총사업비는 얼마인가요?"  # the seeds' topic, not its cost


def test_gradio_client_shows_the_closest_sentences_of_a_refusal_under_their_own_heading(ui_client: Client) -> None:
    history, citations, status, _ = ui_client.predict(REFUSED_QUESTION, [], "ko", api_name="/chat")
    assert "문서에서 찾을 수 없습니다" in last_message(history) and 'class="cite-ref"' not in last_message(history)
    assert f"<h4>{label('ko', 'related')}</h4>" in unescape(citations)  # not under the citations heading
    assert 'class="cite-btn"' in citations and label("ko", "not_found").split(" · ")[0] in status


def test_gradio_client_answers_a_greeting_without_a_not_found_status(ui_client: Client) -> None:
    history, citations, status, _ = ui_client.predict("안녕하세요", [], "ko", api_name="/chat")
    assert "정책톡" in last_message(history) and 'class="cite-ref"' not in last_message(history)
    assert 'class="cite-btn"' not in citations
    assert label("ko", "small_talk").split(" · ")[0] in status
    assert label("ko", "not_found").split(" · ")[0] not in status
    listed, _, _, _ = ui_client.predict("What documents do you have?", [], "en", api_name="/chat")
    assert last_message(listed).count("<br>\\- ") == 5  # one seed title a line, its dash shown as typed


def test_citation_list_heading_names_what_it_lists() -> None:
    assert label("en", "related") in render.citation_list_html([cite()], "en", heading="related")
    assert label("en", "citations") in render.citation_list_html([cite()], "en")


def test_gradio_client_checks_a_claim_and_uploads_a_document(ui_client: Client, tmp_path: Path) -> None:
    verdict = ui_client.predict(
        "경상북도는 2018년 8월 지자체 최초로 4차산업혁명 전략위원회를 출범시켰다.", "ko", api_name="/check"
    )
    assert "verdict-contradicted" in verdict and "<mark>2017년</mark>" in verdict

    upload = tmp_path / "울산 수소버스.txt"
    upload.write_text("울산시 수소버스 확대\n\n울산시는 2026년까지 수소버스 300대를 도입해 시내버스의 절반을 바꾼다.\n",
                      encoding="utf-8")
    message, table = ui_client.predict(handle_file(str(upload)), "", "en", api_name="/upload")
    assert "Indexed `울산_수소버스.txt`" in message and "울산_수소버스.txt" in table
    assert "울산_수소버스.txt" in ui_client.predict("ko", api_name="/documents")


# --- a real browser ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip("Debian chromium/chromium-driver not installed (`make browser` installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1366,900", "--lang=ko-KR"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def set_viewport(driver, width: int, height: int, mobile: bool) -> None:  # type: ignore[no-untyped-def]
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def full_page_screenshot(driver, path: Path, width: int) -> None:  # type: ignore[no-untyped-def]
    height = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]["height"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True,
         "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}},
    )
    path.write_bytes(base64.b64decode(shot["data"]))


def ask_in_browser(driver, live_server: LiveServer, question: str):  # type: ignore[no-untyped-def]
    """Open a fresh UI page at desktop size, send `question`, and return a wait for what comes."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, 90)
    set_viewport(driver, 1366, 900, mobile=False)
    driver.get(f"{live_server.url}/")
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#message textarea"))).send_keys(question)
    driver.find_element(By.CSS_SELECTOR, "#send").click()
    return wait


def test_browser_shows_the_document_list_one_title_a_line(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    wait = ask_in_browser(browser, live_server, "What documents do you have?")
    wait.until(lambda driver: "documents indexed" in driver.find_element(By.CSS_SELECTOR, "#chatbot").text)
    lines = browser.find_element(By.CSS_SELECTOR, "#chatbot").text.splitlines()
    titles = [d["title"] for d in httpx.get(f"{live_server.url}/api/documents", timeout=30).json()["documents"]]
    assert all(f"- {title}" in lines for title in titles)


def test_browser_asks_clicks_a_citation_and_sees_the_highlighted_quote(
    browser, live_server: LiveServer  # type: ignore[no-untyped-def]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver = browser
    REPORTS.mkdir(parents=True, exist_ok=True)
    wait = ask_in_browser(driver, live_server, KO_QUESTION)

    link = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#chatbot a.cite-ref")))
    assert "4000억 원 이상의 투자" in driver.find_element(By.CSS_SELECTOR, "#chatbot").text
    short = driver.find_element(By.CSS_SELECTOR, "#chatbot .short-answer").text  # the short answer comes first
    assert "4000억" in short
    _, n, doc_id, start, end, answer_start, answer_end = link.get_attribute("href").split("#", 1)[1].split("/")
    text = httpx.get(f"{live_server.url}/api/documents/{doc_id}", timeout=30).json()["text"]
    quote = text[int(start) : int(end)]
    link.click()

    mark = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#source-panel .source-context mark")))
    assert mark.text == quote and n == "1"
    answer_mark = driver.find_element(By.CSS_SELECTOR, "#source-panel .source-context mark .answer-mark")
    assert answer_mark.text == text[int(answer_start) : int(answer_end)] == short
    panel = driver.find_element(By.CSS_SELECTOR, "#source-panel").text
    assert "광주 인공지능 단지" in panel
    assert re.search(r"세션\s+[0-9a-f]{32}", driver.find_element(By.CSS_SELECTOR, "#status").text)
    driver.save_screenshot(str(REPORTS / "ui-desktop.png"))

    set_viewport(driver, 390, 844, mobile=True)
    wait.until(lambda d: d.execute_script("return window.innerWidth") == 390)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    assert driver.find_element(By.CSS_SELECTOR, "#source-panel mark").text == quote
    full_page_screenshot(driver, REPORTS / "ui-phone.png", 390)

    set_viewport(driver, 1366, 900, mobile=False)
    driver.find_element(By.XPATH, "//*[@id='lang']//label[contains(., 'English')]").click()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#send").text == "Send")
    assert "Citations" in driver.find_element(By.CSS_SELECTOR, "#citations").text


def test_browser_lists_the_closest_sentences_of_a_refusal_and_opens_one(
    browser, live_server: LiveServer  # type: ignore[no-untyped-def]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver = browser
    wait = ask_in_browser(driver, live_server, REFUSED_QUESTION)

    button = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#citations .cite-list.related .cite-btn")))
    assert "문서에서 찾을 수 없습니다" in driver.find_element(By.CSS_SELECTOR, "#chatbot").text
    assert not driver.find_elements(By.CSS_SELECTOR, "#chatbot a.cite-ref")  # nothing is cited
    assert label("ko", "related") in driver.find_element(By.CSS_SELECTOR, "#citations").text
    doc_id, start, end = (button.get_attribute(f"data-{key}") for key in ("doc", "start", "end"))
    text = httpx.get(f"{live_server.url}/api/documents/{doc_id}", timeout=30).json()["text"]
    button.click()
    mark = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#source-panel .source-context mark")))
    assert mark.text == text[int(start) : int(end)]

    driver.find_element(By.XPATH, "//*[@id='lang']//label[contains(., 'English')]").click()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#send").text == "Send")
    assert label("en", "related") in driver.find_element(By.CSS_SELECTOR, "#citations").text  # still not "Citations"
