"""Document formats beyond plain text: HWP 5, HWPX, PDF (with OCR), DOCX and saved web pages.

Each loader takes a file's bytes and returns a `LoadedText` (text, one paragraph or table row per line, and
its page or section map); `index.loaders` picks the loader from the bytes (`sniff_format`).
"""
