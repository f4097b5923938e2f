"""File loading: .txt/.md, UTF-8 (with BOM), UTF-16 (with BOM) and CP949, rejection of binary, unsupported and
oversized files, folder collection, and how ingest reports a bad file without giving up on the good ones.
The document formats (HWP, HWPX, PDF, DOCX, HTML) are tested on real files in test_formats.py."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from index.chunking import ChunkingParams
from index.embeddings import SentenceTransformerEmbeddings
from index.errors import InputError, MalformedFileError, RagError, UnsupportedFileError
from index.ingest import ingest_paths, prepare_document
from index.loaders import collect_files, decode_text, load_bytes, load_file, supported_suffixes
from index.store import LocalStore, load_index

KOREAN = "경상북도는 4차산업혁명을 선도한다.\n광주는 인공지능 단지를 조성한다."
LIMIT = 1_000_000


def test_supported_suffixes_are_text_and_the_document_formats() -> None:
    assert supported_suffixes() == [".docx", ".htm", ".html", ".hwp", ".hwpx", ".md", ".pdf", ".txt"]


def test_utf8_text_file_loads_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(KOREAN.encode("utf-8"))
    assert load_file(path, LIMIT) == KOREAN


def test_utf8_bom_is_dropped() -> None:
    text = load_bytes(b"\xef\xbb\xbf" + KOREAN.encode("utf-8"), "bom.txt", LIMIT)
    assert text == KOREAN
    assert not text.startswith("\ufeff")


def test_cp949_korean_is_decoded() -> None:
    data = KOREAN.encode("cp949")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert load_bytes(data, "legacy.txt", LIMIT) == KOREAN
    # CP949 extends EUC-KR with every modern syllable, e.g. 똠 and 햏 that EUC-KR cannot encode.
    assert decode_text("똠양꿍 햏".encode("cp949"), "x.txt") == "똠양꿍 햏"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_decoded(encoding: str) -> None:
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    data = bom + KOREAN.encode(encoding)  # "utf-16" writes its own BOM
    assert data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    text = load_bytes(data, "notepad.txt", LIMIT)
    assert text == KOREAN


def test_broken_utf16_is_malformed() -> None:
    with pytest.raises(MalformedFileError, match=r"^half\.txt: .*not valid UTF-16"):
        load_bytes(codecs.BOM_UTF16_LE + "정책".encode("utf-16-le") + b"\x00\xd8", "half.txt", LIMIT)


def test_uppercase_suffix_is_accepted() -> None:
    assert load_bytes(KOREAN.encode("utf-8"), "NOTE.TXT", LIMIT) == KOREAN


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        KOREAN.encode("utf-8") + b"\x00 trailing",
        "policy 정책".encode("utf-16-le"),
        codecs.BOM_UTF16_LE + "정책\x00\x00".encode("utf-16-le"),
    ],
    ids=["png", "nul-in-text", "utf16-without-bom", "nul-in-utf16"],
)
def test_nul_bytes_mean_a_binary_file(data: bytes) -> None:
    with pytest.raises(MalformedFileError, match=r"^pic\.txt: .*binary"):
        load_bytes(data, "pic.txt", LIMIT)


def test_bytes_that_are_neither_utf8_nor_cp949_are_malformed() -> None:
    with pytest.raises(MalformedFileError, match=r"bad\.txt: not valid UTF-8 or CP949"):
        load_bytes(b"\xfa\x80 abc \xff", "bad.txt", LIMIT)


@pytest.mark.parametrize("name", ["sheet.xlsx", "slides.pptx", "noext"])
def test_unsupported_extension_is_refused_with_the_supported_list(name: str) -> None:
    supported = r"supported: \.docx, \.htm, \.html, \.hwp, \.hwpx, \.md, \.pdf, \.txt"
    with pytest.raises(UnsupportedFileError, match=supported):
        load_bytes(b"text", name, LIMIT)


@pytest.mark.parametrize("name", ["report.pdf", "doc.docx", "press.hwp", "press.hwpx"])
def test_text_named_as_a_document_format_is_malformed(name: str) -> None:
    with pytest.raises(MalformedFileError, match=rf"^{name.split('.')[0]}\.\w+: not a valid"):
        load_bytes(b"text", name, LIMIT)


def test_a_file_over_the_size_limit_is_refused() -> None:
    data = KOREAN.encode("utf-8")
    assert load_bytes(data, "ok.txt", len(data)) == KOREAN
    with pytest.raises(InputError, match="RAG_MAX_FILE_BYTES"):
        load_bytes(data, "big.txt", len(data) - 1)


def test_markdown_is_reduced_to_its_words() -> None:
    md = (
        "# 경상북도 정책\n\n## 지역별 특화 정책\n"
        "**포항**은 [철강산업](https://example.com/steel)의 중심이다.\n"
        "![지도](map.png)구미는 `전자산업` 도시다.\n"
    )
    text = load_bytes(md.encode("utf-8"), "policy.md", LIMIT)
    assert text.splitlines() == [
        "경상북도 정책",
        "",
        "지역별 특화 정책",
        "포항은 철강산업의 중심이다.",
        "구미는 전자산업 도시다.",
    ]


def test_a_markdown_table_becomes_table_rows_without_its_delimiter_row() -> None:
    md = "표 1. 사업비\n\n| 구분 | 국비 | 지방비 |\n|---|:--:|---:|\n| 2024 | 470 | 27 |\n| 비고 | a\\|b | |\n\n본문.\n"
    text = load_bytes(md.encode("utf-8"), "budget.md", LIMIT)
    rows = ["구분 | 국비 | 지방비", "2024 | 470 | 27", "비고 | a|b"]  # one paragraph: the header names the columns
    assert text.splitlines() == ["표 1. 사업비", "", *rows, "", "본문."]


def test_markdown_in_cp949_is_decoded_too() -> None:
    assert load_bytes("# 제목\n본문이다.".encode("cp949"), "old.md", LIMIT) == "제목\n본문이다."


def test_collect_files_walks_folders_recursively_and_skips_other_types(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "deep").mkdir()
    for rel in ("a.txt", "b/c.md", "b/deep/d.TXT", "b/skip.xlsx", "b/deep/image.png", "b/f.hwpx", "e.txt"):
        (tmp_path / rel).write_text("x", encoding="utf-8")
    found = collect_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.txt",
        "b/c.md",
        "b/deep/d.TXT",
        "b/f.hwpx",
        "e.txt",
    ]


def test_collect_files_takes_named_files_and_folders_in_order(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "x.txt").write_text("x", encoding="utf-8")
    single = tmp_path / "single.md"
    single.write_text("y", encoding="utf-8")
    assert collect_files([single, tmp_path / "dir"]) == [single, tmp_path / "dir" / "x.txt"]


def test_collect_files_refuses_a_named_unsupported_file_and_a_missing_path(tmp_path: Path) -> None:
    sheet = tmp_path / "report.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    with pytest.raises(UnsupportedFileError, match=r"report\.xlsx"):
        collect_files([sheet])
    with pytest.raises(InputError, match="no such file or folder"):
        collect_files([tmp_path / "missing"])


def test_an_empty_file_has_no_text_to_index() -> None:
    with pytest.raises(MalformedFileError, match="no text left after cleaning"):
        prepare_document(load_bytes(b"", "empty.txt", LIMIT), "empty.txt", ChunkingParams())
    with pytest.raises(MalformedFileError):
        prepare_document("광고\n광고\n-\n공유", "ads.txt", ChunkingParams())


def test_a_folder_without_supported_files_is_an_input_error(
    tmp_path: Path, embedder: SentenceTransformerEmbeddings
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.xlsx").write_bytes(b"PK")
    with pytest.raises(InputError, match=r"No \.docx, \.htm, \.html, \.hwp, \.hwpx, \.md, \.pdf, \.txt files"):
        ingest_paths(
            [tmp_path / "docs"],
            store=LocalStore(tmp_path / "index"),
            embedder=embedder,
            params=ChunkingParams(),
            max_file_bytes=LIMIT,
            progress=False,
        )
    assert not (tmp_path / "index").exists()


def test_ingest_reports_bad_files_and_indexes_the_good_ones(
    tmp_path: Path, embedder: SentenceTransformerEmbeddings
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_bytes(KOREAN.encode("cp949"))
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (docs / "huge.md").write_bytes(("큰 파일이다. " * 200).encode("utf-8"))
    (docs / "empty.txt").write_bytes(b"")
    report = ingest_paths(
        [docs],
        store=LocalStore(tmp_path / "index"),
        embedder=embedder,
        params=ChunkingParams(),
        max_file_bytes=1000,
        progress=False,
    )
    assert (report.documents, report.added_documents) == (1, 1)
    assert len(report.errors) == 3
    assert any(e.startswith("binary.txt:") and "binary" in e for e in report.errors)
    assert any(e.startswith("huge.md:") and "RAG_MAX_FILE_BYTES" in e for e in report.errors)
    assert any(e.startswith("empty.txt:") for e in report.errors)
    data = load_index(tmp_path / "index")
    assert [d.source for d in data.documents.values()] == ["good.txt"]
    assert next(iter(data.documents.values())).text == KOREAN.replace("\n", "\n\n")


def test_ingest_of_only_bad_files_fails_and_writes_nothing(
    tmp_path: Path, embedder: SentenceTransformerEmbeddings
) -> None:
    bad = tmp_path / "binary.txt"
    bad.write_bytes(b"\x00\x00")
    with pytest.raises(RagError, match=r"Nothing could be indexed: binary\.txt"):
        ingest_paths(
            [bad],
            store=LocalStore(tmp_path / "index"),
            embedder=embedder,
            params=ChunkingParams(),
            max_file_bytes=LIMIT,
            progress=False,
        )
    assert not (tmp_path / "index" / "CURRENT").exists()
