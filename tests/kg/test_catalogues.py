"""The national catalogues of regulations_corpus/catalogues: counts as their headers state, samples taken from
the recorded (cross-check) sources agree with the entries, provenance on every file, malformed files named
with file and line, and the merged substance facts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kg.catalogues import CATALOGUE_FILES, CatalogueSet, cas_is_valid, load_catalogues
from kg.errors import CorpusError

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / "regulations_corpus" / "catalogues"
SAMPLES = REPO / "tests" / "fixtures" / "catalogue_samples"


@pytest.fixture(scope="module")
def catalogues() -> CatalogueSet:
    return load_catalogues(FOLDER)


def test_every_catalogue_is_there_with_its_provenance(catalogues: CatalogueSet) -> None:
    assert set(catalogues.infos) == set(CATALOGUE_FILES)
    for stem, info in catalogues.infos.items():
        assert info.coverage <= info.expected_count, stem
        primary = [s for s in info.sources if s.role.startswith("primary")]
        # a public copy (repository at a commit, or a page), or the statute text held in ../shared
        held = [s for s in primary if (s.path or "").startswith("../shared/regulations/")]
        assert primary and all(s.commit or s.url or s in held for s in primary), stem
        assert all(s.commit is None or len(s.commit) == 40 for s in info.sources), stem


def test_counts_as_the_official_lists_state(catalogues: CatalogueSet) -> None:
    # complete lists are held whole; the header's coverage is checked against the entries on load
    assert len(catalogues.chemicals) == 2828
    assert sorted(c.no for c in catalogues.chemicals if c.no is not None) == list(range(1, 2829))
    assert sum(c.toxic for c in catalogues.chemicals) == 148
    assert len(catalogues.explosive_precursors) == 74
    assert len(catalogues.highly_toxic) == 54
    assert len(catalogues.thresholds) == 85
    assert len(catalogues.key_processes) == 18
    assert len(catalogues.accident_hazards) == 64
    by_category: dict[str, int] = {}
    for h in catalogues.hazard_factors:
        by_category[h.category] = by_category.get(h.category, 0) + 1
    assert by_category == {"粉尘": 52, "化学因素": 375, "物理因素": 15, "放射性因素": 8, "生物因素": 6, "其他因素": 3}
    dust_groups: dict[str, int] = {}
    for d in catalogues.combustible_dusts:
        dust_groups[d.group] = dust_groups.get(d.group, 0) + 1
    assert len(catalogues.combustible_dusts) == catalogues.infos["combustible_dusts"].expected_count == 45
    assert dust_groups == {
        "金属制品加工": 10,
        "农副产品加工": 15,
        "木制品/纸制品加工": 2,
        "纺织品加工": 4,
        "橡胶和塑料制品加工": 2,
        "冶金/有色/建材行业煤粉制备": 2,
        "其他": 10,
    }
    kinds = {e.name for e in catalogues.equipment if e.level == "种类"}
    assert {"锅炉", "压力容器", "压力管道", "电梯", "起重机械", "场（厂）内专用机动车辆"} <= kinds


def _identity(stem: str, row: dict[str, Any]) -> tuple[object, ...]:
    if stem == "special_equipment":
        return (row["code"],)
    if stem == "major_accident_hazards":
        return (row["id"],)
    if stem == "combustible_dusts":  # its 序号 are held for 镁粉 only
        return (row["name"],)
    if stem == "confined_spaces":  # types, not numbered; a sample names a type as its source writes it
        return (row["name"],)
    if stem == "occupational_hazards":  # its samples are named, not numbered
        return (row["category"], row["name"])
    if stem == "key_supervised_processes" or stem == "key_supervised_chemicals":
        return (row.get("batch"), row["no"])
    return (row["no"],)


_DUST_VALUES = (
    "median_um",
    "lel_g_m3",
    "mie_mj",
    "pmax_mpa",
    "kst_mpa_m_s",
    "cloud_ignition_c",
    "layer_ignition_c",
    "risk_level",
)


def _cas(value: object) -> object:
    return "；".join(str(v) for v in value) if isinstance(value, list) else value


#: catalogues read off a statute text in ../shared, each word checked against it by an integration test
#: (tests/kg/test_waste_sources.py) rather than against samples copied from a public copy
_FROM_SHARED = {"waste_sources"}


@pytest.mark.parametrize("stem", sorted(set(CATALOGUE_FILES) - _FROM_SHARED))
def test_samples_from_the_recorded_source_agree(stem: str) -> None:
    sample_doc = yaml.safe_load((SAMPLES / f"{stem}.yaml").read_text(encoding="utf-8"))
    entries_doc = yaml.safe_load((FOLDER / f"{stem}.yaml").read_text(encoding="utf-8"))
    assert sample_doc.get("source"), "a sample file names the source its samples were copied from"
    entries = {_identity(stem, e): e for e in entries_doc["entries"]}
    samples = sample_doc["samples"]
    assert len(samples) >= 5
    for sample in samples:
        entry = entries.get(_identity(stem, sample))
        assert entry is not None, sample
        for key in ("name", "cas", "toxic", "threshold_t", "parent", "group", "kind", "article", "item", *_DUST_VALUES):
            if key in sample and key in entry:
                assert _cas(sample[key]) == _cas(entry[key]), (stem, sample, key)
        if "written" in sample:  # a merged type holds every name its source writes for it
            assert sample["written"] in entry["terms"], (stem, sample)


def test_cas_numbers_are_checked() -> None:
    assert cas_is_valid("7664-41-7") and cas_is_valid("108-88-3")
    assert not cas_is_valid("7664-41-8") and not cas_is_valid("108883")


def test_a_malformed_entry_names_file_and_line(tmp_path: Path) -> None:
    header = (FOLDER / "highly_toxic.yaml").read_text(encoding="utf-8").split("entries:")[0]
    (tmp_path / "highly_toxic.yaml").write_text(
        header.replace("coverage: 54", "coverage: 2")
        + "entries:\n- {'no': 1, name: 苯, aliases: [], cas: 71-43-2}\n- {'no': 2, nme: 甲苯, cas: 108-88-3}\n",
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match=r"highly_toxic.yaml:\d+: ListedSubstance") as info:
        load_catalogues(tmp_path)
    line = int(str(info.value).split("highly_toxic.yaml:")[1].split(":")[0])
    assert (tmp_path / "highly_toxic.yaml").read_text(encoding="utf-8").splitlines()[line - 1].startswith("- {'no': 2")


def test_broken_yaml_and_unknown_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "highly_toxic.yaml").write_text("catalogue: {id: highly_toxic\nentries: [\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"highly_toxic.yaml:\d+: malformed YAML"):
        load_catalogues(tmp_path)
    (tmp_path / "highly_toxic.yaml").unlink()
    (tmp_path / "poisons.yaml").write_text("catalogue: {}\nentries: []\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="unknown catalogue file"):
        load_catalogues(tmp_path)


def test_substance_facts_merge_the_lists(catalogues: CatalogueSet) -> None:
    ammonia = catalogues.substance("液氨")
    assert ammonia is not None and ammonia.name == "氨"
    assert ammonia.listed and ammonia.key_supervised and ammonia.highly_toxic and ammonia.threshold_t == 10
    cyanide = catalogues.substance("143-33-9")
    assert cyanide is not None and cyanide.toxic and cyanide.listed
    nitric = catalogues.substance("硝酸")
    assert nitric is not None and nitric.explosive_precursor and not nitric.toxic
    # entries of one CAS number that the 目录 lists apart stay apart
    acid, anhydrous = catalogues.substance("氢氟酸"), catalogues.substance("氟化氢[无水]")
    assert acid is not None and anhydrous is not None and acid.name != anhydrous.name
    # a 临界量 belongs to the entry it names: 甲醛(含量>90%) is not the 目录's 甲醛溶液
    solution = catalogues.substance("甲醛溶液")
    assert solution is not None and solution.threshold_t is None and solution.highly_toxic


def test_every_listed_chemical_has_its_classes(catalogues: CatalogueSet) -> None:
    # the entries the CAS-keyed table cannot reach are filled by 序号 from the 分类信息表 (classes_supplement)
    assert all(c.hazards for c in catalogues.chemicals)
    by_no = {c.no: c for c in catalogues.chemicals}
    assert ("特异性靶器官毒性-一次接触", "3（呼吸道刺激）") in by_no[2507].hazards  # 盐酸
    assert ("皮肤腐蚀/刺激", "1A") in by_no[1650].hazards  # 氢氟酸
    assert by_no[1674].hazards == [("易燃液体", "3")]  # 柴油[闭杯闪点≤60℃]
    assert by_no[1570].hazards == [("易燃气体", "1"), ("加压气体", "")]  # 煤气


def test_combustible_dusts_are_looked_up_by_name(catalogues: CatalogueSet) -> None:
    magnesium = catalogues.combustible_dust(" 镁粉 ")
    assert magnesium is not None and magnesium.no == 1 and magnesium.group == "金属制品加工"
    # as the cross-check copy (hzdwsa.cn) prints 镁粉: a bound stays the string the 目录 prints
    assert (magnesium.median_um, magnesium.lel_g_m3, magnesium.mie_mj) == (6, 25, "<2")
    assert (magnesium.pmax_mpa, magnesium.kst_mpa_m_s, magnesium.cloud_ignition_c) == (1, 35.9, 480)
    assert magnesium.layer_ignition_c is None and magnesium.risk_level is None  # the copy breaks off there
    coal = catalogues.combustible_dust("褐煤/无烟煤（80：20）粉尘")  # full-width brackets meet (name_key)
    assert coal is not None and coal.group == "冶金/有色/建材行业煤粉制备"
    assert catalogues.combustible_dust("镁") is None and catalogues.combustible_dust("淀粉") is None
    assert len({d.name for d in catalogues.combustible_dusts}) == len(catalogues.combustible_dusts)


def test_a_malformed_dust_value_names_file_and_line(tmp_path: Path) -> None:
    header = (FOLDER / "combustible_dusts.yaml").read_text(encoding="utf-8").split("entries:")[0]
    (tmp_path / "combustible_dusts.yaml").write_text(
        header.replace("coverage: 45", "coverage: 2")
        + "entries:\n- {name: 镁粉, group: 金属制品加工, mie_mj: '<2'}\n"
        + "- {name: 铝粉, group: 金属制品加工, mie_mj: 约2}\n",
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match=r"combustible_dusts.yaml:\d+: CombustibleDust mie_mj") as info:
        load_catalogues(tmp_path)
    line = int(str(info.value).split("combustible_dusts.yaml:")[1].split(":")[0])
    assert "铝粉" in (tmp_path / "combustible_dusts.yaml").read_text(encoding="utf-8").splitlines()[line - 1]
