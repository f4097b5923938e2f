"""Parse time per format (not a test): each fixture under tests/fixtures/formats/ is loaded a few times.

    python eval/bench_formats.py [--folder DIR] [--repeat 3]

Prints a Markdown table: format, file, size, pages (PDF) or sections with text, characters of text, the best time of
`--repeat` loads (the first load also pays for imports), and that time per page (PDF) or per MB (the rest).
A scanned PDF is OCRed when Tesseract is installed (seconds per page) and reported as failing otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from index.errors import RagError
from index.loaders import collect_files, load_document

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "formats"
MB = 1_000_000


def bench(path: Path, repeat: int) -> list[str]:
    """One table row for a file: format, file, MB, pages/sections, characters, best ms, rate."""
    data = path.read_bytes()
    best = float("inf")
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            loaded = load_document(data, path.name, len(data))
            best = min(best, time.perf_counter() - started)
    except RagError as exc:
        return ["?", path.name, f"{len(data) / MB:.2f}", "", "", f"failed: {exc}", ""]
    units = f"{len(loaded.units)} {loaded.unit}s" if loaded.unit else "—"
    if loaded.unit == "page":
        rate = f"{best / len(loaded.units) * 1000:.0f} ms/page"
    else:
        rate = f"{best / (len(data) / MB) * 1000:.0f} ms/MB"
    return [loaded.format, path.name, f"{len(data) / MB:.2f}", units, str(len(loaded.text)), f"{best * 1000:.0f}", rate]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=FIXTURES, help="Documents to load (default: the fixtures).")
    parser.add_argument("--repeat", type=int, default=3, help="Loads per file; the best time counts.")
    args = parser.parse_args()
    print("| format | file | MB | pages/sections with text | chars | best ms | rate |")
    print("|---|---|---|---|---|---|---|")
    for path in collect_files([args.folder]):
        print("| " + " | ".join(bench(path, max(1, args.repeat))) + " |", flush=True)


if __name__ == "__main__":
    main()
