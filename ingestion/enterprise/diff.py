"""Compare two extractions of the same enterprise (a new version of its documents)."""

from __future__ import annotations

from ingestion.enterprise.findings import process_key
from ingestion.enterprise.models import EnterpriseExtraction, ExtractedProcess, ExtractionDiff, ProcessChange

__all__ = ["ProcessMapDiffer"]


class ProcessMapDiffer:
    """Added, removed and changed steps, new and removed materials and equipment."""

    def run(self, before: EnterpriseExtraction, after: EnterpriseExtraction) -> ExtractionDiff:
        """The difference from ``before`` to ``after``."""
        old = {process_key(p.name): p for p in before.processes}
        new = {process_key(p.name): p for p in after.processes}
        common_old = [k for k in old if k in new]
        common_new = [k for k in new if k in old]
        changed: list[ProcessChange] = []
        for key in common_new:
            fields = _changed_fields(old[key], new[key])
            if common_old.index(key) != common_new.index(key):
                fields.append("order")
            if fields:
                changed.append(ProcessChange(name=new[key].name, before=old[key], after=new[key], fields=fields))
        old_materials = {m.name for m in before.materials}
        new_materials = {m.name for m in after.materials}
        old_equipment = {e.name for e in before.equipment}
        new_equipment = {e.name for e in after.equipment}
        return ExtractionDiff(
            added=[p for k, p in new.items() if k not in old],
            removed=[p for k, p in old.items() if k not in new],
            changed=changed,
            new_materials=[m for m in after.materials if m.name not in old_materials],
            removed_materials=[m for m in before.materials if m.name not in new_materials],
            new_equipment=[e for e in after.equipment if e.name not in old_equipment],
            removed_equipment=[e for e in before.equipment if e.name not in new_equipment],
        )


def _changed_fields(a: ExtractedProcess, b: ExtractedProcess) -> list[str]:
    return [f for f in ("stage", "description") if getattr(a, f) != getattr(b, f)]
