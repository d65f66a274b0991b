"""C++ and Rust in one run (issue 16): the language of each cell as the binaries declare it,
results.json's language fields, each language's view of a run, the claims judged per
language, and the report's side-by-side section. The fixture (fixtures/run_mixed, cut from a
real scripts/matrix run by fixtures/make_mixed_run.py) has W1 cells of gcc and rustc; the
tests that need a given outcome change its repetitions, never its rows."""

from __future__ import annotations

import copy
import json
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "py"))

from testbed import claims, languages, merged, report  # noqa: E402
from testbed.results import CPP, RUST, ResultsError, load_run  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MIXED = FIXTURES / "run_mixed"
SMALL = FIXTURES / "run_small"
PER_LANGUAGE = claims.PER_LANGUAGE


def mixed():
    return load_run(MIXED)


def by_design(run, language, key):
    """The rows of a design entry in one language that have W1 cells in the fixture, from the
    manifest (never by name)."""
    view = languages.view(run, language)
    return [r for r in view.rows.of_design(key)
            if any(c.row == r and c.workload == "async_iterator" for c in view.cells.values())]


def w1(run, row, compiler):
    return run.cells[("async_iterator", row, "items:1000", compiler)]


def set_ns(cell, ns):
    """Five repetitions around ns (1% apart): what the rule sees as one clear value."""
    cell.ns_per_call = [ns * f for f in (0.99, 0.995, 1.0, 1.005, 1.01)]


def compiler_of(run, language):
    return languages.compilers_of(run, language)[0]


class LanguageOfCells(unittest.TestCase):
    def test_each_compiler_has_the_language_its_binaries_declare(self):
        run = mixed()
        self.assertEqual(run.languages_present(), [CPP, RUST])
        for compiler, language in run.languages.items():
            context = run.contexts[compiler]
            self.assertEqual(language, RUST if context.get("testbed_language") == "rust" else CPP)
        self.assertEqual({run.language(c) for c in run.compilers()}, {CPP, RUST})

    def test_a_file_without_the_key_is_cpp(self):
        run = load_run(SMALL)
        self.assertNotIn("testbed_language", run.contexts["gcc"])
        self.assertEqual(run.languages_present(), [CPP])

    def _copy(self):
        tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, tmp)
        shutil.copytree(MIXED, tmp / "run")
        return tmp / "run"

    def _timing_file(self, run_dir, compiler):
        return next(p for p in sorted((run_dir / "raw" / compiler).glob("*.json")) if p.name.count(".") == 1)

    def test_an_unknown_language_is_an_error(self):
        run_dir = self._copy()
        path = self._timing_file(run_dir, compiler_of(mixed(), RUST))
        data = json.loads(path.read_text())
        data["context"]["testbed_language"] = "cobol"
        path.write_text(json.dumps(data))
        with self.assertRaisesRegex(ResultsError, "cobol"):
            load_run(run_dir)

    def test_two_languages_under_one_compiler_is_an_error(self):
        run_dir = self._copy()
        rust = compiler_of(mixed(), RUST)
        path = self._timing_file(run_dir, rust)
        data = json.loads(path.read_text())
        data["context"]["testbed_language"] = "c++"
        (path.parent / ("second" + path.name)).write_text(json.dumps(data))
        with self.assertRaisesRegex(ResultsError, "declares testbed_language"):
            load_run(run_dir)


class ResultsFile(unittest.TestCase):
    def setUp(self):
        self.run = mixed()
        self.data = merged.build(self.run, "run_mixed")

    def test_every_cell_and_compiler_has_its_language(self):
        merged.validate(self.data)
        for cell in self.data["cells"]:
            self.assertEqual(cell["language"], self.run.language(cell["compiler"]))
        self.assertEqual({c["language"] for c in self.data["cells"]}, {CPP, RUST})
        for name, info in self.data["compilers"].items():
            self.assertEqual(info["language"], self.run.language(name))

    def test_the_languages_survive_the_round_trip(self):
        again = merged.run_from_results(json.loads(json.dumps(self.data)))
        self.assertEqual(again.languages, self.run.languages)
        self.assertEqual([(v.claim, v.verdict, v.languages) for v in claims.check_all(again)],
                         [(v["claim"], v["verdict"], v["languages"]) for v in self.data["claims"]])

    def test_validate_rejects_an_unknown_language(self):
        data = copy.deepcopy(self.data)
        data["cells"][0]["language"] = "Go"
        with self.assertRaisesRegex(ResultsError, "unknown language"):
            merged.validate(data)
        data = copy.deepcopy(self.data)
        data["claims"][0]["languages"] = {"Go": "confirmed"}
        with self.assertRaisesRegex(ResultsError, "languages"):
            merged.validate(data)

    def test_a_file_without_languages_is_cpp(self):
        data = copy.deepcopy(self.data)
        for cell in data["cells"]:
            del cell["language"]
        for info in data["compilers"].values():
            del info["language"]
        merged.validate(data)
        self.assertEqual(merged.run_from_results(data).languages_present(), [CPP])


class Views(unittest.TestCase):
    def test_a_view_holds_one_language_and_its_rows(self):
        run = mixed()
        rust = languages.view(run, RUST)
        self.assertEqual(rust.languages_present(), [RUST])
        self.assertEqual({c.compiler for c in rust.cells.values()}, set(languages.compilers_of(run, RUST)))
        cpp_only = {c.row for c in run.cells.values() if run.language(c.compiler) == CPP} - \
            {c.row for c in run.cells.values() if run.language(c.compiler) == RUST}
        self.assertTrue(cpp_only)
        self.assertFalse(cpp_only & set(rust.rows.rows))
        # The reference row exists in both languages: each view keeps it.
        self.assertEqual(rust.rows.reference(), languages.view(run, CPP).rows.reference())

    def test_each_language_has_its_own_max_space_row(self):
        run = mixed()
        cpp, rust = by_design(run, CPP, "maximal-space"), by_design(run, RUST, "maximal-space")
        self.assertEqual(len(cpp), 1)
        self.assertGreater(len(rust), 2)
        self.assertFalse(set(cpp) & set(rust))
        # In the whole run the first max-space row by name is a Rust one: claims must not
        # take it for the C++ row.
        self.assertNotIn(run.rows.of_design("maximal-space")[0], cpp)


class PerLanguageVerdicts(unittest.TestCase):
    def test_the_sources_claims_are_judged_in_each_language(self):
        verdicts = {v.claim: v for v in claims.check_all(mixed())}
        for claim in PER_LANGUAGE:
            self.assertEqual(list(verdicts[claim].languages), [CPP, RUST], claim)
            text = claims.verdict_text(verdicts[claim])
            self.assertIn("(C++)", text)
            self.assertIn("(Rust)", text)
        for claim, v in verdicts.items():
            if claim not in PER_LANGUAGE:
                self.assertEqual(list(v.languages), [CPP], claim)
                self.assertTrue(claims.verdict_text(v).endswith("(C++ only)"), claim)

    def test_a_run_of_one_language_reads_as_before(self):
        for v in claims.check_all(load_run(SMALL)):
            self.assertEqual(list(v.languages), [CPP])
            self.assertEqual(claims.verdict_text(v), v.verdict)

    def test_missing_rust_cells_are_said_in_one_sentence(self):
        verdicts = {v.claim: v for v in claims.check_all(mixed())}
        # The fixture has no recursion cells: C9 and C10 are not measured in either language.
        for claim in ("C9", "C10"):
            v = verdicts[claim]
            self.assertEqual(v.languages[RUST], claims.NOT_MEASURED)
            said = [e for e in v.evidence if e.startswith("Rust: not measured")]
            self.assertEqual(len(said), 1, v.evidence)

    def test_the_cpp_part_is_the_verdict_of_the_cpp_cells_alone(self):
        run = mixed()
        alone = {v.claim: v for v in claims.check_all(languages.view(run, CPP))}
        for v in claims.check_all(run):
            self.assertEqual(v.languages[CPP], alone[v.claim].verdict, v.claim)
        c15 = next(v for v in claims.check_all(run) if v.claim == "C15")
        cpp_max = by_design(run, CPP, "maximal-space")[0]
        self.assertTrue(any(cpp_max in line for line in c15.evidence if line.startswith("C++:")))
        self.assertFalse(any(r in line for line in c15.evidence if line.startswith("C++:")
                             for r in by_design(run, RUST, "maximal-space")))

    def test_c1_follows_the_rust_cells(self):
        run = mixed()
        rust = compiler_of(run, RUST)
        box = w1(run, run.rows.reference(), rust)
        others = [w1(run, r, rust) for r in languages.view(run, RUST).rows.strategies(steady_allocations=0)
                  if ("async_iterator", r, "items:1000", rust) in run.cells]
        set_ns(box, 40.0)
        for c in others:
            set_ns(c, 10.0)
        v = claims.c1(languages.view(run, RUST))
        self.assertEqual(v.verdict, claims.CONFIRMED, v.evidence)
        set_ns(box, 10.0)
        v = claims.c1(languages.view(run, RUST))
        self.assertEqual(v.verdict, claims.INCONCLUSIVE, v.evidence)

    def test_c15_is_decided_by_the_smallest_buffer_that_holds_the_future(self):
        run = mixed()
        rust = compiler_of(run, RUST)
        view = languages.view(run, RUST)
        rows = by_design(run, RUST, "maximal-space")
        by_value = sorted((r for r in rows if not view.rows.info(r).trait("frames_in_caller_storage")),
                          key=lambda r: view.rows.info(r).trait("max_frame_bytes"))
        set_ns(w1(run, run.rows.reference(), rust), 30.0)
        for r in rows:
            set_ns(w1(run, r, rust), 10.0)
        set_ns(w1(run, by_value[-1], rust), 90.0)  # the largest buffer: slower than box
        v = claims.c15(view)
        self.assertEqual(v.verdict, claims.CONFIRMED, v.evidence)
        self.assertTrue(any(by_value[-1] in e and "not deciding" in e for e in v.evidence))
        set_ns(w1(run, by_value[0], rust), 90.0)  # the smallest one slower: the claim fails
        v = claims.c15(view)
        self.assertIn(v.verdict, (claims.REFUTED, claims.PARTLY), v.evidence)

    def test_combining_the_languages(self):
        c = claims.combine_languages
        self.assertEqual(c({CPP: "confirmed", RUST: "confirmed"}), "confirmed")
        self.assertEqual(c({CPP: "confirmed", RUST: "inconclusive"}), "inconclusive")
        self.assertEqual(c({CPP: "confirmed", RUST: "refuted"}), "partly")
        self.assertEqual(c({CPP: "confirmed", RUST: "not measured"}), "confirmed")
        self.assertEqual(c({CPP: "not measured", RUST: "not measured"}), "not measured")
        self.assertEqual(c({CPP: "refuted", RUST: "refuted"}), "refuted")


class Section(unittest.TestCase):
    def setUp(self):
        self.run = mixed()
        self.text = report.render(self.run, "run_mixed")

    def test_the_section_is_in_the_report_of_a_mixed_run_only(self):
        self.assertIn(f"## {languages.SECTION_TITLE}", self.text)
        self.assertNotIn(languages.SECTION_TITLE, report.render(load_run(SMALL), "run_small"))

    def test_rows_are_joined_by_design_entry(self):
        lines = languages.section(self.run)
        for key in ("box-it", "maximal-space"):
            for language in (CPP, RUST):
                for row in by_design(self.run, language, key):
                    self.assertTrue(any(l.startswith(f"| `{key}` | {language} | {row} |") for l in lines),
                                    (key, language, row))
        self.assertTrue(any(l.startswith(f"| limit: synchronous_limit | {RUST} |") for l in lines))

    def test_what_the_numbers_say(self):
        run = self.run
        rust = compiler_of(run, RUST)
        view = languages.view(run, RUST)
        box = w1(run, run.rows.reference(), rust)
        said = languages.explain(view, [box], RUST)
        self.assertTrue(any(s.startswith("the allocator: 1.00 allocations") for s in said), said)
        over = box.counter("instructions_per_call") - view.sync_base(box.workload, box.args, rust).counter(
            "instructions_per_call")
        self.assertTrue(any(f"{rust} {over:+.0f}" in s for s in said), said)
        moved = [r for r in by_design(run, RUST, "maximal-space")
                 if not view.rows.info(r).trait("frames_in_caller_storage")]
        in_place = [r for r in by_design(run, RUST, "maximal-space") if r not in moved]
        self.assertTrue(any("moved into the caller's future" in s
                            for s in languages.explain(view, [w1(run, moved[0], rust)], RUST)))
        self.assertFalse(any("moved" in s for s in languages.explain(view, [w1(run, in_place[0], rust)], RUST)))
        self.assertFalse(any("allocator" in s for s in languages.explain(view, [w1(run, in_place[0], rust)], RUST)))
        for language in (CPP, RUST):
            self.assertIn(f"- {language}: {languages.CONSTRUCTION[language]}.", self.text)

    def test_the_buffer_growth_is_the_least_squares_slope(self):
        run = self.run
        rust = compiler_of(run, RUST)
        view = languages.view(run, RUST)
        moved = [r for r in by_design(run, RUST, "maximal-space")
                 if not view.rows.info(r).trait("frames_in_caller_storage")]
        # Instructions exactly 100 + bytes / 8: 128 instructions per KiB.
        for r in moved:
            w1(run, r, rust).counters["instructions_per_call"] = [100 + view.rows.info(r).trait("max_frame_bytes") / 8]
        views = {lang: languages.view(run, lang) for lang in run.languages_present()}
        lines = languages.growth(views, "async_iterator")
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("+128 instructions", lines[0])

    def test_the_per_language_verdicts_are_listed(self):
        self.assertIn("### The sources' claims, per language", self.text)
        for claim in PER_LANGUAGE:
            self.assertRegex(self.text, rf"\| {claim} \| [a-z ]+ \| .*\(C\+\+\), .*\(Rust\) \|")


if __name__ == "__main__":
    unittest.main()
