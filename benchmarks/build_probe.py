"""One engine's index build, timed in a fresh process: ``python -m benchmarks.build_probe
ENGINE CATALOG REPEATS``.

ENGINE is a key of ``bench_search.BUILD_ENGINES``; CATALOG is ``real`` or a synthetic size
(same seed as the bench, so the same entries). The process warms up as the bench does,
then builds ``REPEATS`` times, each after ``gc.collect()`` with the previous index
deleted, so every build starts from the same heap: the catalog, the imported modules and
nothing else. A last build runs under tracemalloc for the memory the index keeps. The
last stdout line is JSON: ``build_ms`` (the minimum CPU milliseconds), every sample in
``build_ms_samples``, and ``memory_mib``.
"""

from __future__ import annotations

import gc
import json
import sys
import time
import tracemalloc
from typing import Any

from benchmarks import bench_search


def probe(engine_key: str, source: str, repeats: int) -> dict[str, Any]:
    engine_type = bench_search.BUILD_ENGINES[engine_key]
    catalog = bench_search.catalog_for(source)
    bench_search.warm_up()
    samples = []
    for _ in range(repeats):
        gc.collect()
        started = time.process_time()
        engine = engine_type(catalog)
        samples.append((time.process_time() - started) * 1000)
        del engine  # the next build must not find this one's objects on the heap
    gc.collect()
    tracemalloc.start()
    engine = engine_type(catalog)
    memory_mib = tracemalloc.get_traced_memory()[0] / 2**20  # with the index still alive
    tracemalloc.stop()
    del engine
    return {"build_ms": min(samples), "build_ms_samples": samples, "memory_mib": memory_mib}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in bench_search.BUILD_ENGINES:
        engines = "|".join(bench_search.BUILD_ENGINES)
        print(f"usage: python -m benchmarks.build_probe {{{engines}}} real|SIZE REPEATS")
        return 2
    print(json.dumps(probe(argv[0], argv[1], int(argv[2]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
