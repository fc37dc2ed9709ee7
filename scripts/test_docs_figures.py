#!/usr/bin/env python3
"""Tests of scripts/docs-figures.py on a copy of the docs: run it with `python3 scripts/test_docs_figures.py`.

Checks that the committed docs are up to date, that a second run changes nothing, that --check
notices a changed figure, a hand edit inside a block and a newer run of a topic, and that the
rewrite then brings the docs back in line.
"""
import contextlib
import importlib.util
import io
import json
import os
import shutil
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
spec = importlib.util.spec_from_file_location("docs_figures", os.path.join(HERE, "docs-figures.py"))
figures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(figures)


def run(*args):
    """The script's exit status, its output swallowed."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return figures.main(list(args))


class DocsFiguresTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        for f in figures.TARGETS + ["benchmarks/compare-cpu-step.sh"]:
            os.makedirs(os.path.dirname(os.path.join(self.root, f)) or self.root, exist_ok=True)
            shutil.copy(os.path.join(ROOT, f), os.path.join(self.root, f))
        shutil.copytree(os.path.join(ROOT, figures.RESULTS), os.path.join(self.root, figures.RESULTS))

    def tearDown(self):
        shutil.rmtree(self.root)

    def read(self, rel):
        with open(os.path.join(self.root, rel)) as f:
            return f.read()

    def edit_json(self, rel, change):
        path = os.path.join(self.root, rel)
        with open(path) as f:
            d = json.load(f)
        change(d)
        with open(path, "w") as f:
            json.dump(d, f, indent=1)

    def test_the_committed_docs_are_up_to_date(self):
        self.assertEqual(0, run("--check", "--root", self.root))

    def test_a_second_run_changes_nothing(self):
        run("--root", self.root)
        before = [self.read(t) for t in figures.TARGETS]
        self.assertEqual(0, run("--root", self.root))
        self.assertEqual(before, [self.read(t) for t in figures.TARGETS])

    def test_a_changed_figure_is_out_of_date_until_rewritten(self):
        self.edit_json("docs/results/2026-11-21-gemm/figures.json", lambda d: d["rows"][0]["gflops"].update(median=175.6))
        self.assertEqual(1, run("--check", "--root", self.root))
        self.assertEqual(0, run("--root", self.root))
        self.assertEqual(0, run("--check", "--root", self.root))
        self.assertIn("| 1024 x 1024 x 1024 | 175.6 (161.9-182.1) |", self.read("docs/benchmarks.md"))

    def test_a_hand_edit_inside_a_block_is_undone(self):
        text = self.read("docs/benchmarks.md").replace("| 1024 x 1024 x 1024 | 174.6", "| 1024 x 1024 x 1024 | 999.9")
        with open(os.path.join(self.root, "docs/benchmarks.md"), "w") as f:
            f.write(text)
        self.assertEqual(1, run("--check", "--root", self.root))
        run("--root", self.root)
        self.assertIn("| 1024 x 1024 x 1024 | 174.6", self.read("docs/benchmarks.md"))

    def test_a_newer_run_of_a_topic_replaces_the_figures(self):
        src = os.path.join(self.root, figures.RESULTS, "2026-12-06-cpu-step")
        shutil.copytree(src, os.path.join(self.root, figures.RESULTS, "2099-01-01-cpu-step"))
        self.edit_json("docs/results/2099-01-01-cpu-step/figures.json", lambda d: d.update(commit="abcdef0", date="2099-01-01 00:00 UTC"))
        self.assertEqual(1, run("--check", "--root", self.root))
        run("--root", self.root)
        self.assertIn("2099-01-01, abcdef0", self.read("README.md"))
        self.assertIn("results/2099-01-01-cpu-step/figures.json", self.read("docs/benchmarks.md"))


if __name__ == "__main__":
    unittest.main()
