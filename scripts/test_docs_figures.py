#!/usr/bin/env python3
"""Tests of scripts/docs-figures.py on a copy of the docs: run it with `python3 scripts/test_docs_figures.py`.

Checks that the committed docs are up to date, that a second run changes nothing, that --check
notices a changed figure, a hand edit inside a block and a newer run of a topic, that the
rewrite then brings the docs back in line, that runs with bf16 figures fill the bf16 table
without a bf16-only run taking the fp32 tables' place, that the convolution tables read
both the newer runs (medians with ranges) and the transcribed ones (a score and its error), and
that the epoch table gives a row per epoch of a process where a run kept two.
"""
import contextlib
import importlib.util
import io
import json
import os
import re
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

    def only_the_first_cpu_step_run(self):
        """The copy as it was when these tests were written: every cpu-step run but 2026-12-06-cpu-step removed, the docs rewritten from the rest."""
        base = os.path.join(self.root, figures.RESULTS)
        for d in os.listdir(base):
            if re.match(r"^\d{4}-\d{2}-\d{2}-cpu-step(-\d+)?$", d) and d != "2026-12-06-cpu-step":
                shutil.rmtree(os.path.join(base, d))
        self.assertEqual(0, run("--root", self.root))

    def bf16_run(self, precisions):
        """A compare-cpu-step.sh run of 2099 from the kept one: bf16 twice as fast as fp32 for GroundUp,
        1.25x for PyTorch; fp32's figures kept only if precisions has fp32."""
        shutil.copytree(os.path.join(self.root, figures.RESULTS, "2026-12-06-cpu-step"),
                        os.path.join(self.root, figures.RESULTS, "2099-01-01-cpu-step"))

        def change(d):
            for side, scale in (("groundup", 0.5), ("pytorch_figures", 0.8)):
                fp32 = d[side]
                d[side] = {k: v for k, v in fp32.items() if "fp32" in precisions}
                d[side].update({k + " bf16": {f: x * scale for f, x in v.items()} for k, v in fp32.items()})
            d.update(commit="abcdef0", date="2099-01-01 00:00 UTC", precisions=precisions,
                     bf16={"groundup": "bf16: convolutions on oneDNN's bf16 kernels (AMX)", "pytorch": "torch.autocast",
                           "pytorch_autocast": {"deep-cnn": {"output_dtypes": {"Conv2d": "bfloat16", "cross_entropy": "float32"}}}})
            if "fp32" not in precisions:
                d.update(djl=None, djl_figures={})
        self.edit_json("docs/results/2099-01-01-cpu-step/figures.json", change)

    def row(self, rel, start):
        return next(line for line in self.read(rel).splitlines() if line.startswith(start))

    def test_a_run_of_both_precisions_fills_the_bf16_table_and_the_fp32_ones(self):
        self.only_the_first_cpu_step_run()
        self.assertIn("No run with bf16 kept yet", self.read("docs/benchmarks.md"))
        self.bf16_run(["fp32", "bf16"])
        self.assertEqual(1, run("--check", "--root", self.root))
        self.assertEqual(0, run("--root", self.root))
        row = self.row("docs/benchmarks.md", "| SimpleConvNet train step, batch 100 |")
        self.assertIn("| 5.6 ms (5.1-6.5) | 2.8 ms (2.5-3.2) | 2.00x | 11.5 ms (11.0-12.6) | 9.2 ms (8.8-10.1) | 1.25x | 3.32x |", row)
        self.assertIn("2099-01-01, abcdef0", row)
        self.assertIn("its layers' outputs there: Conv2d bfloat16, cross_entropy float32", self.read("docs/benchmarks.md"))
        self.assertIn("results/2099-01-01-cpu-step/figures.json", self.row("docs/benchmarks.md", "| SimpleConvNet | 5.6 ms"))

    def test_a_bf16_only_run_leaves_the_fp32_tables_to_the_run_before(self):
        self.only_the_first_cpu_step_run()
        self.bf16_run(["bf16"])
        self.assertEqual(0, run("--root", self.root))
        row = self.row("docs/benchmarks.md", "| DeepConvNet train step, batch 100 |")
        self.assertIn("|  | 14.4 ms (13.4-16.1) |  |  | 23.8 ms (23.0-31.9) |  | 1.66x |", row)
        self.assertIn("results/2026-12-06-cpu-step/figures.json", self.row("docs/benchmarks.md", "| SimpleConvNet | 5.6 ms"))
        self.assertNotIn("2099", self.read("README.md"))

    def test_the_epoch_table_has_a_row_per_epoch_of_a_process(self):
        # two epochs a process (compare-cpu-epoch.sh since d4be144): the first and the second, each its own ratio
        two = "docs/results/2099-01-01-cpu-epoch/figures.json"
        os.makedirs(os.path.dirname(os.path.join(self.root, two)))
        fig = lambda v: {"rounds_s": v, "median_s": sorted(v)[1], "min_s": min(v), "max_s": max(v)}
        d = self.read_json("docs/results/2026-12-06-cpu-epoch-2/figures.json")
        d.update(commit="abcdef0", date="2099-01-01 00:00 UTC", rounds=3, groundup=fig([3.0, 2.0, 2.5]),
                 pytorch_figures=fig([4.0, 4.4, 5.0]), groundup_second=fig([1.0, 1.1, 1.2]), pytorch_second=fig([4.0, 4.4, 4.6]))
        with open(os.path.join(self.root, two), "w") as f:
            json.dump(d, f)
        self.assertEqual(0, run("--root", self.root))
        first = self.row("docs/benchmarks.md", "| first of a fresh process (both cold), 3 rounds")
        self.assertIn("| 2.50 s (2.00-3.00) | 4.40 s (4.00-5.00) | 1.76x |", first)
        self.assertIn("3.00/4.00, 2.00/4.40, 2.50/5.00", first)
        second = self.row("docs/benchmarks.md", "| second of the same process |")
        self.assertIn("| 1.10 s (1.00-1.20) | 4.40 s (4.00-4.60) | 4.00x |", second)
        # one epoch a process (the runs before): one row
        shutil.rmtree(os.path.dirname(os.path.join(self.root, two)))
        shutil.rmtree(os.path.join(self.root, figures.RESULTS, "2026-12-07-cpu-epoch"))
        self.assertEqual(0, run("--root", self.root))
        self.assertIn("| 5 rounds, seeds 1-5 | 2.83 s (2.66-2.95) | 4.05 s (3.63-4.65) | 1.43x |", self.read("docs/benchmarks.md"))
        self.assertNotIn("second of the same process", self.read("docs/benchmarks.md"))

    def read_json(self, rel):
        with open(os.path.join(self.root, rel)) as f:
            return json.load(f)

    def test_the_convolution_tables_render_runs_of_both_kinds(self):
        # a run of compare-conv-kinds.sh: each cell the rounds' median and range
        row = self.row("docs/benchmarks.md", "| conv2 (144) | oneDNN | 1.34 ms (1.24-1.45), 270.2 GF/s (61%) |")
        self.assertIn("results/2026-12-06-conv-dnnl-vs-gemm/figures.json", row)
        # without it, the transcribed run before it: one JMH score and its error
        shutil.rmtree(os.path.join(self.root, figures.RESULTS, "2026-12-06-conv-dnnl-vs-gemm"))
        self.assertEqual(1, run("--check", "--root", self.root))
        self.assertEqual(0, run("--root", self.root))
        self.assertIn("9.0 ms ± 10.5, 40 GF/s (23%)", self.row("docs/benchmarks.md", "| conv2 (144) | oneDNN | 9.0 ms"))
        # the convolution A/B: one row per way, its step against the first way's
        with open(os.path.join(self.root, figures.RESULTS, "2026-12-06-convolution-kinds", "deep-cnn-auto-dnnl.json")) as f:
            d = json.load(f)
        auto, dnnl = (w["step_ms"] for w in d["ways"])
        self.assertIn(f"on every layer | dnnl | {dnnl['median']:.2f} ({dnnl['min']:.2f}-{dnnl['max']:.2f}) | "
                      f"{dnnl['median'] / auto['median']:.2f}x, faster in {d['second_faster_rounds']} of {d['rounds']} rounds | {d['rounds']} | 4 |",
                      self.read("docs/benchmarks.md"))


if __name__ == "__main__":
    unittest.main()
