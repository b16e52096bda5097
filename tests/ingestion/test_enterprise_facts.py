"""Plant items decided from the national catalogues: hazardous materials (危险化学品目录, components, the
conditions of qualified entries), special equipment (特种设备目录 criteria on the row's parameters),
pollutants and wastes (pollution tables, 国家危险废物名录), and what is not a process."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.enterprise import EnterpriseExtraction
from ingestion.enterprise.judge import CatalogueJudge
from ingestion.enterprise.models import Provenance
from ingestion.enterprise.pollution import split_pollutants, waste_code
from ingestion.wastes import HazardousWasteList, parse_waste_list
from tests.enterprise_support import catalogue_facts, enterprise_importer, waste_list

HERE = Provenance(file="t.md")


@pytest.fixture(scope="module")
def judge() -> CatalogueJudge:
    return CatalogueJudge(catalogue_facts(), waste_list())


def _doc(tmp_path: Path, text: str, name: str = "环评报告表.md") -> EnterpriseExtraction:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return enterprise_importer().run([path])


# --- materials --------------------------------------------------------------------------------------


def test_a_listed_chemical_carries_its_catalogue_facts(judge: CatalogueJudge) -> None:
    acid = judge.material("盐酸", "盐酸", HERE)
    assert acid.hazardous and not acid.verify
    assert (acid.catalogue_name, acid.cas) == ("盐酸", "7647-01-0") and acid.catalogue_no == 2507
    assert "易制毒（第三类）" in acid.flags
    peroxide = judge.material("双氧水", "双氧水", HERE)
    assert peroxide.hazardous and "易制爆" in peroxide.flags
    # an occupational-factor record of the same CAS number reaches the 目录 entry (二甲苯 → 二甲苯异构体混合物)
    xylene = judge.material("二甲苯", "二甲苯", HERE)
    assert xylene.hazardous and xylene.catalogue_name == "二甲苯异构体混合物"


def test_a_mixture_is_hazardous_by_a_listed_component(judge: CatalogueJudge) -> None:
    thinner = judge.material("稀释剂（主要成分乙酸丁酯、二甲苯）", "稀释剂", HERE)
    assert thinner.hazardous and thinner.components == ["乙酸正丁酯", "二甲苯异构体混合物"]
    cleaner = judge.material("清洗剂（成分：异丙醇）", "清洗剂", HERE)
    assert cleaner.hazardous and cleaner.components == ["2-丙醇"] and "组分" in cleaner.reason


def test_qualified_entries_follow_the_documents_flash_point_else_are_to_verify(judge: CatalogueJudge) -> None:
    diesel = judge.material("柴油", "柴油", HERE)
    assert diesel.hazardous and diesel.verify and "第1674项" in diesel.reason and "待核实" in diesel.reason
    high = judge.material("柴油", "柴油", HERE, notes="闭杯闪点 65℃")
    assert not high.hazardous and not high.verify and "不符合" in high.reason
    paint = judge.material("面漆", "面漆", HERE, notes="溶剂型，闭杯闪点26℃")
    assert paint.hazardous and not paint.verify and "第2828项" in paint.reason
    water = judge.material("电泳漆", "电泳漆", HERE, notes="水性")
    assert not water.hazardous and water.verify and "水性" in water.reason


def test_the_document_label_is_believed_and_unknown_names_are_kept_with_candidates(judge: CatalogueJudge) -> None:
    flux = judge.material("助焊剂", "助焊剂", HERE, labelled=True)
    assert flux.hazardous and flux.reason == "文件标注为危险化学品"
    salt = judge.material("六氟磷酸锂", "六氟磷酸锂", HERE)
    assert not salt.hazardous and salt.verify and salt.candidates and "未收录" in salt.reason
    steel = judge.material("冷轧钢板", "冷轧钢板", HERE)
    assert not steel.hazardous and not steel.verify and not steel.reason


def test_running_text_names_catalogue_substances_not_words_glued_around_them(judge: CatalogueJudge) -> None:
    names = [m.name for m in judge.mentions("调质件在井式电阻炉加热，淬火油槽淬火，切割用氧气、乙炔。", HERE)]
    assert names == ["氧气", "乙炔"]  # 火油 (煤油) inside 淬火油槽 is no mention
    assert [m.name for m in judge.mentions("喷漆房内喷涂油漆和稀释剂。", HERE)] == ["油漆", "稀释剂"]


# --- equipment --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "notes"),
    [("电动葫芦", "额定起重量2t"), ("蒸汽发生器", "容积29L"), ("储罐", "工作压力0.05MPa"), ("电动葫芦", "CD1-2t")],
)
def test_an_item_below_the_thresholds_is_not_special(judge: CatalogueJudge, name: str, notes: str) -> None:
    item = judge.equipment(name, HERE, notes=notes)
    assert not item.special and not item.verify and item.catalogue_code and item.basis


def test_an_item_over_the_thresholds_is_special_and_one_without_parameters_to_verify(judge: CatalogueJudge) -> None:
    crane = judge.equipment("桥式起重机", HERE, notes="额定起重量10t，起升高度9m")
    assert crane.special and not crane.verify and crane.category == "起重机械"
    assert crane.parameters == ["额定起重量=10t", "提升高度=9m"]
    tank = judge.equipment("储气罐", HERE, notes="1m3/0.8MPa")
    assert tank.special and "容积=1000L" in tank.parameters and "最高工作压力=0.8MPa" in tank.parameters
    bare = judge.equipment("行车", HERE)
    assert bare.special and bare.verify and "待核实" in bare.basis
    forklift = judge.equipment("叉车", HERE)
    assert forklift.special and not forklift.verify
    press = judge.equipment("冲床", HERE, notes="80t")
    assert not press.special and not press.catalogue_code


def test_a_document_labelling_special_equipment_is_believed(judge: CatalogueJudge) -> None:
    hoist = judge.equipment("电动葫芦", HERE, labelled=True, notes="CD1-2t")
    assert hoist.special and hoist.category == "起重机械" and hoist.basis.startswith("文件标注为特种设备")


def test_running_text_equipment_keeps_its_written_name_not_the_room(judge: CatalogueJudge) -> None:
    found = judge.equipment_mentions("锅炉房设燃气锅炉1台，由5t电动葫芦吊运。", HERE)
    assert [e.name for e in found] == ["燃气锅炉", "5t电动葫芦"]
    # 5t reaches the 3t bound of 起重机械; its 提升高度 is not written: special, to verify
    assert found[1].parameters == ["额定起重量=5t"] and found[1].special and found[1].verify


# --- pollutants and wastes --------------------------------------------------------------------------


def test_pollutant_lists_split_and_formulas_take_the_standards_names() -> None:
    assert split_pollutants("颗粒物、SO2、NOx") == ["颗粒物", "二氧化硫", "氮氧化物"]
    assert split_pollutants("COD、SS、氨氮（NH3-N）") == ["化学需氧量", "悬浮物", "氨氮"]
    assert split_pollutants("无") == []
    assert waste_code("HW12 900-252-12") == ("HW12", "900-252-12") and waste_code("HW08") == ("HW08", "")


LAYOUT = """附表
废物类别    行业来源    废物代码                 危 险 废 物          危险特性

                             车辆维修过程中产生的废发动机油、制动器油、
 HW08           900-214-08   自动变速器油、齿轮油等废润滑油                T，I
废矿物油                     及其他
                900-218-08   液压设备维护、更换和拆解过程中产生的废液压油    T，I
                             使用切削油或切削液进行机械加工过程中产生
 HW09           900-006-09                                      T
                             的油/水、烃/水混合物或乳化液
附录
 1    900-006-09   豁免
"""


def test_the_waste_list_layout_centres_each_description_on_its_code() -> None:
    rows = {e.code: e for e in parse_waste_list(LAYOUT)}
    assert set(rows) == {"900-214-08", "900-218-08", "900-006-09"}
    assert (
        rows["900-214-08"].description
        == "车辆维修过程中产生的废发动机油、制动器油、自动变速器油、齿轮油等废润滑油及其他"
    )
    assert rows["900-006-09"].description.startswith("使用切削油或切削液") and rows["900-006-09"].hw_class == "HW09"
    wastes = HazardousWasteList(parse_waste_list(LAYOUT))
    match = wastes.match("废切削液")
    assert match is not None and (match.code, match.hw_class) == ("900-006-09", "HW09")
    assert wastes.match("废锡渣") is None


def test_the_real_waste_list_is_parsed_whole() -> None:
    wastes = waste_list()
    if wastes is None:
        pytest.skip("国家危险废物名录 not beside the repository")
    rows = {e.code: e for e in wastes.entries}
    assert len(rows) > 450 and rows["900-041-49"].description.startswith("含有或沾染毒性")
    assert "900-405-06" in rows["900-039-49"].description  # a code inside a description is no row


REPORT = """# 建设项目环境影响报告表
建设单位：某某金属制品有限公司
## 一、生产工艺流程
1. 下料：钢板经剪板机下料。
（1）剪切：剪板机剪切。
（2）校平：校平机校平。
2. 喷漆：喷漆房内喷涂油漆。
3. 设备维修：定期保养。
## 二、公用工程
配电房：设变压器1台。
空压站：螺杆空压机2台。
## 三、污染物排放
### 废气
| 排放口编号 | 产污环节 | 污染物种类 |
| --- | --- | --- |
| DA001 | 喷漆 | 颗粒物、二甲苯、非甲烷总烃 |
| DA002 | 烘干 | SO2、NOx |
### 固体废物
| 危废名称 | 废物类别 | 产生量 | 处置去向 |
| --- | --- | --- | --- |
| 漆渣 | HW12 | 1t/a | 委托处置 |
| 废切削液 | 危险废物 | 0.5t/a | 委托处置 |
废水：生活污水经化粪池处理后纳管，主要污染物COD、氨氮。
"""


def test_a_report_gives_processes_without_utilities_and_pollutants_with_kinds(tmp_path: Path) -> None:
    ex = _doc(tmp_path, REPORT)
    assert [p.name for p in ex.processes] == ["下料", "喷漆"]  # 设备维修, 配电房, 空压站: not processes
    assert "校平" in ex.processes[0].description  # sub-steps fold into their step
    kinds = {p.name: p.kind for p in ex.pollutants}
    assert kinds == {
        "颗粒物": "废气",
        "二甲苯": "废气",
        "非甲烷总烃": "废气",
        "二氧化硫": "废气",
        "氮氧化物": "废气",
        "漆渣": "危险废物",
        "废切削液": "危险废物",
        "化学需氧量": "废水",
        "氨氮": "废水",
    }
    sludge = next(p for p in ex.pollutants if p.name == "漆渣")
    assert sludge.hw_class == "HW12" and sludge.basis.startswith("文件所列")
    if waste_list() is not None:
        fluid = next(p for p in ex.pollutants if p.name == "废切削液")
        assert (fluid.hw_class, fluid.waste_code) == ("HW09", "900-006-09") and "名录" in fluid.basis
    assert {p.outlet for p in ex.pollutants if p.kind == "废气"} == {"DA001", "DA002"}
