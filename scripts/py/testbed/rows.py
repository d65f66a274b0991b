"""What the rows and metrics of a run are, as the benchmark binaries declared them.

Every benchmark binary writes a manifest into its JSON context ("testbed_manifest",
harness/row_manifest.hpp): for each row its kind (strategy, baseline, peer, device), family,
form, start, role, the strategy's declared traits and the design post's entry it stands for;
for each metric its unit, digits, column header and pass. Everything here is read from it:
no script knows a row or a metric by name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

STRATEGY, BASELINE, PEER, DEVICE = "strategy", "baseline", "peer", "device"
KINDS = (STRATEGY, BASELINE, PEER, DEVICE)
# Roles (harness/row_manifest.hpp): the row the strategies are compared with, and the limits.
REFERENCE = "reference"
SYNCHRONOUS_LIMIT = "synchronous_limit"
POLL_LIMIT = "poll_limit"
VISIBLE_COROUTINE = "visible_coroutine"
DEVIRTUALIZED = "devirtualized"
# A device placing box's frames at the size of another family's frames (RowInfo.sized_like).
SIZED_REFERENCE = "sized_reference"
# A device placing frames at no cost (a bump pointer): the coroutine machinery apart.
PLACEMENT_LIMIT = "placement_limit"
LAZY, EAGER = "lazy", "eager"
PASSES = ("timing", "counting", "stack", "callgrind", "massif", "derived", "latency")


class ManifestError(Exception):
    """A manifest that cannot be used; the message says what is wrong."""


@dataclass(frozen=True)
class RowInfo:
    name: str
    kind: str
    family: str
    form: str = ""          # "local", "sendable" or ""
    start: str = ""         # "lazy", "eager" or "" (not a coroutine row)
    role: str = ""
    allocator: str = ""     # the process allocator it ran on ("" for the default)
    design_key: str = ""    # the design post's entry (harness/design_post.hpp): its id
    design_strategy: str = ""
    design_downside: str = ""
    placement: str = ""
    sized_like: str = ""    # sized_reference devices: the family whose frame size they take
    object_bytes: int | None = None
    caller_bytes: int | None = None
    traits: dict | None = None

    @property
    def is_strategy(self) -> bool:
        return self.kind == STRATEGY

    @property
    def is_eager(self) -> bool:
        return self.start == EAGER

    def trait(self, name: str, default=None):
        return (self.traits or {}).get(name, default)


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    digits: int
    header: str
    pass_: str
    meaning: str = ""


@dataclass
class Rows:
    """The rows of a run by name, and its metrics by name."""
    rows: dict[str, RowInfo] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)

    # ----------------------------------------------------------------- reading
    @staticmethod
    def from_json_text(text: str, where: str) -> "Rows":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ManifestError(f"{where}: the row manifest is not valid JSON ({e.msg})") from None
        out = Rows()
        out.add(data, where)
        return out

    def add(self, data, where: str) -> None:
        """Adds a manifest ({"rows": [...], "metrics": [...]}); a row or metric declared
        again must say the same."""
        if not isinstance(data, dict) or not isinstance(data.get("rows"), list) \
                or not isinstance(data.get("metrics"), list):
            raise ManifestError(f"{where}: the row manifest has no 'rows' and 'metrics' lists")
        for i, r in enumerate(data["rows"]):
            if not isinstance(r, dict) or not isinstance(r.get("name"), str) or r.get("kind") not in KINDS:
                raise ManifestError(f"{where}: manifest rows[{i}] has no name or a kind outside {KINDS}")
            info = RowInfo(
                name=r["name"], kind=r["kind"], family=str(r.get("family") or r["name"]),
                form=str(r.get("form") or ""), start=str(r.get("start") or ""),
                role=str(r.get("role") or ""), allocator=str(r.get("allocator") or ""),
                design_key=str(r.get("design_key") or ""),
                design_strategy=str(r.get("design_strategy") or ""),
                design_downside=str(r.get("design_downside") or ""),
                placement=str(r.get("placement") or ""),
                sized_like=str(r.get("sized_like") or ""),
                object_bytes=r.get("object_bytes"), caller_bytes=r.get("caller_bytes"),
                traits=r.get("traits") if isinstance(r.get("traits"), dict) else None)
            self._put_row(info, where)
        for i, m in enumerate(data["metrics"]):
            if not isinstance(m, dict) or not isinstance(m.get("name"), str) or m.get("pass") not in PASSES:
                raise ManifestError(f"{where}: manifest metrics[{i}] has no name or a pass outside {PASSES}")
            metric = Metric(name=m["name"], unit=str(m.get("unit", "")), digits=int(m.get("digits", 2)),
                            header=str(m.get("header") or m["name"]), pass_=m["pass"],
                            meaning=str(m.get("meaning", "")))
            old = self.metrics.get(metric.name)
            if old is not None and (old.pass_, old.unit) != (metric.pass_, metric.unit):
                raise ManifestError(f"{where}: metric '{metric.name}' is declared twice differently "
                                    f"({old.pass_}, {old.unit} vs {metric.pass_}, {metric.unit})")
            self.metrics.setdefault(metric.name, metric)

    def _put_row(self, info: RowInfo, where: str) -> None:
        old = self.rows.get(info.name)
        if old is None:
            self.rows[info.name] = info
            return
        # The overheads are measured by every binary alike; fill in what one lacked.
        if (old.kind, old.family, old.form, old.start, old.role) != \
                (info.kind, info.family, info.form, info.start, info.role):
            raise ManifestError(f"{where}: row '{info.name}' is described differently by two "
                                f"files ({old.kind}/{old.family}/{old.form}/{old.start} vs "
                                f"{info.kind}/{info.family}/{info.form}/{info.start})")
        if old.object_bytes is None and info.object_bytes is not None:
            self.rows[info.name] = info

    def merged_with(self, other: "Rows") -> "Rows":
        out = Rows(dict(self.rows), dict(self.metrics))
        for info in other.rows.values():
            out._put_row(info, "merging two runs' manifests")
        for m in other.metrics.values():
            out.metrics.setdefault(m.name, m)
        return out

    def to_json(self) -> dict:
        return {
            "rows": [{"name": r.name, "kind": r.kind, "family": r.family, "form": r.form,
                      "start": r.start, "role": r.role, "allocator": r.allocator,
                      "design_key": r.design_key, "design_strategy": r.design_strategy, "design_downside": r.design_downside,
                      "placement": r.placement, "sized_like": r.sized_like, "object_bytes": r.object_bytes,
                      "caller_bytes": r.caller_bytes, "traits": r.traits}
                     for r in sorted(self.rows.values(), key=lambda r: r.name)],
            "metrics": [{"name": m.name, "unit": m.unit, "digits": m.digits, "header": m.header,
                         "pass": m.pass_, "meaning": m.meaning} for m in self.metrics.values()],
        }

    def __bool__(self) -> bool:
        return bool(self.rows)

    # ----------------------------------------------------------------- rows
    def info(self, row: str) -> RowInfo:
        found = self.rows.get(row)
        if found is None:
            raise ManifestError(f"row '{row}' is not in the run's row manifest")
        return found

    def get(self, row: str) -> RowInfo | None:
        return self.rows.get(row)

    def kind(self, row: str) -> str:
        return self.info(row).kind

    def is_strategy(self, row: str) -> bool:
        info = self.rows.get(row)
        return info is not None and info.is_strategy

    def family(self, row: str) -> str:
        info = self.rows.get(row)
        return info.family if info else row

    def is_eager(self, row: str) -> bool:
        info = self.rows.get(row)
        return info is not None and info.is_eager

    def with_role(self, role: str) -> list[str]:
        return sorted(r.name for r in self.rows.values() if r.role == role)

    def reference_for(self, row: str) -> str | None:
        """The reference row (box) a row is compared with: the one of the same start."""
        return self._reference_of_start(self.info(row).start if row in self.rows else LAZY)

    def _reference_of_start(self, start: str) -> str | None:
        found = [r.name for r in self.rows.values() if r.role == REFERENCE and r.start == start
                 and not r.allocator]
        return found[0] if found else None

    def of_design(self, key: str, every_form: bool = False) -> list[str]:
        """The strategy rows that stand for the design post's entry `key` (its id in
        harness/design_post.hpp): lazily started, one form per family, default allocator; or
        with every_form, all of them (both forms, both starts)."""
        if every_form:
            return sorted(r.name for r in self.rows.values()
                          if r.is_strategy and r.design_key == key and not r.allocator)
        return [r for r in self.strategies() if self.rows[r].design_key == key]

    def reference(self) -> str | None:
        """The lazily started reference row (box)."""
        return self._reference_of_start(LAZY)

    def pairs_of_forms(self) -> list[tuple[str, str]]:
        """(Local row, Sendable row) of every family that has both, lazily started."""
        by_family: dict[str, dict[str, str]] = {}
        for r in self.rows.values():
            if r.is_strategy and r.start == LAZY and r.form and not r.allocator:
                by_family.setdefault(r.family, {})[r.form] = r.name
        return [(f["local"], f["sendable"]) for _, f in sorted(by_family.items())
                if "local" in f and "sendable" in f]

    def strategies(self, *, steady_allocations: int | None = None, start: str = LAZY,
                   forms=("", "local"), allocator: str = "") -> list[str]:
        """Strategy rows (default: lazily started, one form per family, default allocator),
        optionally those whose declared steady allocations per call are exactly N."""
        out = []
        for r in self.rows.values():
            if not r.is_strategy or r.start != start or r.form not in forms or r.allocator != allocator:
                continue
            if steady_allocations is not None and r.trait("steady_allocations") != steady_allocations:
                continue
            out.append(r.name)
        return sorted(out)

    # ----------------------------------------------------------------- metrics
    def metrics_of(self, *passes: str) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics.values() if m.pass_ in passes)

    def metric(self, name: str) -> Metric:
        found = self.metrics.get(name)
        if found is None:
            raise ManifestError(f"metric '{name}' is not in the run's manifest")
        return found

