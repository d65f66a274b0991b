"""The layout the README promises: every file of harness/ is listed in harness/README.md,
every strategy and workload folder has a README, and the scripts know no row by name."""

from __future__ import annotations

import json
import re
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = Path(__file__).resolve().parent / "fixtures" / "manifest.json"


class Layout(unittest.TestCase):
    def test_harness_readme_lists_every_file(self):
        readme = (ROOT / "harness" / "README.md").read_text()
        listed = set(re.findall(r"`([a-z_]+)(?:\.hpp|\.cpp|\.hpp/\.cpp)`", readme))
        listed |= {m for pair in re.findall(r"`([a-z_]+)\.hpp`, `([a-z_]+)\.cpp`", readme) for m in pair}
        files = {p.stem for p in (ROOT / "harness").iterdir() if p.suffix in (".hpp", ".cpp")}
        self.assertEqual(files - listed, set(), "harness files missing from harness/README.md")

    def test_every_strategy_and_workload_folder_has_a_readme(self):
        for top in ("strategies", "workloads"):
            for folder in (ROOT / top).iterdir():
                if folder.is_dir():
                    self.assertTrue((folder / "README.md").exists(), f"{folder} has no README.md")

    def test_no_row_name_in_the_scripts(self):
        """Rows are known from the manifest the binaries write, never by name: no quoted
        strategy, baseline, peer or device row name in scripts/py (tests and fixtures apart)."""
        rows = {r["name"] for r in json.loads(MANIFEST.read_text())["rows"]}
        found = []
        for path in sorted((ROOT / "scripts" / "py").rglob("*.py")):
            text = path.read_text()
            for row in rows:
                if re.search(r"""["']%s["']""" % re.escape(row), text):
                    found.append(f"{path.relative_to(ROOT)}: {row}")
        self.assertEqual(found, [])


if __name__ == "__main__":
    unittest.main()
