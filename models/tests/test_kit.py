"""The kit's fast test: tiny training runs of every family on a subset, export, the contract check (which must
also fail, clearly, on broken models), evaluation, reference data; and the committed bundled models."""
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)
sys.path.insert(0, MODELS)

from mimmo_kit import __main__ as cli  # noqa: E402
from mimmo_kit import check, checkpoints, contract, data, gates, metrics, nets, onnx_numpy, policies, train  # noqa: E402

BUNDLED = ("fashion-mimmo", "fashion-mimonet", "fashion-single", "fashion-ensemble", "fashion-jeidnn")
TINY = ["--subset", "512", "--max-batches", "3", "--epochs", "1", "--monitor", "200", "--batch-size", "32",
        "--channels", "8,16,32", "--exit-width", "8", "--stem", "8", "--threads", "2"]


def kit(*argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = cli.main([str(a) for a in argv])
    return rc, out.getvalue()


class KitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mimmo-kit-test-")
        cls.ckpt = {}
        for name, family, extra in (("mimmo", "mimmo", ["--strided-first"]), ("mimonet", "mimonet", []),
                                    ("single0", "single", []), ("single1", "single", ["--seed", "1"])):
            out = os.path.join(cls.tmp, "runs", name)
            kit("train", "--family", family, "--out", out, *TINY, *extra)
            cls.ckpt[name] = os.path.join(out, "checkpoint.pt")
        cls.model = {}
        for name in ("mimmo", "mimonet", "single0"):
            cls.model[name] = os.path.join(cls.tmp, name)
            kit("export", "--checkpoint", cls.ckpt[name], "--out", cls.model[name])
        cls.model["ensemble"] = os.path.join(cls.tmp, "ensemble")
        cls.ensemble_ckpt = os.path.join(cls.tmp, "runs", "ensemble.pt")
        kit("export", "--ensemble", cls.ckpt["single0"], cls.ckpt["single1"], cls.ckpt["single0"],
            "--out", cls.model["ensemble"], "--save-checkpoint", cls.ensemble_ckpt)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def onnx_path(self, name):
        return os.path.join(self.model[name], "model.onnx")

    def broken(self, change, name="mimmo"):
        """A copy of an exported model with `change(model)` applied; returns the check's error text."""
        model = onnx.load(self.onnx_path(name))
        change(model)
        path = os.path.join(self.tmp, "broken", f"{len(os.listdir(self.tmp))}-{id(change)}.onnx")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        onnx.save(model, path)
        with self.assertRaises(check.ContractError) as caught:
            check.check(path)
        return str(caught.exception)

    def test_train_history_OneLinePerEpoch_RecordsMonitorAccuracyAndWeights(self):
        with open(os.path.join(os.path.dirname(self.ckpt["mimmo"]), "history.json")) as f:
            history = json.load(f)
        self.assertEqual(len(history), 1)
        self.assertEqual(np.array(history[0]["exit_weights"]).shape, (3, 3))
        self.assertTrue(0 <= history[0]["monitor_acc_k1"] <= 1)

    def test_check_ExportedModels_PassWithTheirShapes(self):
        expected = {"mimmo": (3, 3), "mimonet": (1, 3), "single0": (1, 1), "ensemble": (1, 3)}
        for name, (exits, slots) in expected.items():
            with self.subTest(name=name):
                summary = check.check(self.onnx_path(name))
                self.assertIn(f"M={slots} E={exits} K=10", summary)
                graph = onnx.load(self.onnx_path(name)).graph
                out = [d.dim_param or d.dim_value for d in graph.output[0].type.tensor_type.shape.dim]
                self.assertEqual(out, ["batch", exits, slots, 10])
                self.assertEqual([d.dim_param or d.dim_value for d in graph.input[0].type.tensor_type.shape.dim],
                                 ["batch", slots, 1, 28, 28])

    def test_export_Metadata_FollowsTheContract(self):
        meta = {p.key: p.value for p in onnx.load(self.onnx_path("mimmo")).metadata_props}
        self.assertEqual(meta["mimmo.family"], "mimmo")
        self.assertEqual(json.loads(meta["mimmo.replication"]), {"1": [[0], [1], [2]], "3": [[0, 1, 2]]})
        self.assertEqual(json.loads(meta["mimmo.ensemble_sizes"]), [1, 3])
        weights = np.array(json.loads(meta["mimmo.exit_weights"]))
        np.testing.assert_allclose(weights.sum(0), 1, atol=1e-6)
        with open(os.path.join(self.model["mimmo"], "config.json")) as f:
            self.assertEqual(json.load(f)["default_ensemble_size"], 3)

    def test_export_NumpyRunOfTheGraph_MatchesPyTorch(self):
        sources = {"mimmo": self.ckpt["mimmo"], "mimonet": self.ckpt["mimonet"], "single0": self.ckpt["single0"],
                   "ensemble": self.ensemble_ckpt}
        for name, ckpt in sources.items():
            with self.subTest(name=name):
                _, net, _ = checkpoints.load(ckpt)
                x = np.random.default_rng(1).random((5, net.slots, 1, 28, 28), dtype=np.float32)
                (got,) = onnx_numpy.run(onnx.load(self.onnx_path(name)), {"input": x})
                with torch.no_grad():
                    want = net(torch.from_numpy(x)).numpy()
                np.testing.assert_allclose(got, want, atol=1e-4)
                self.assertIn("runs in numpy", check.check(self.onnx_path(name), execute_graph=True))

    def test_check_BrokenModels_FailWithAClearMessage(self):
        def meta(key, value):
            return lambda m: contract.set_metadata(m, {"mimmo." + key: value})

        def drop(key):
            def change(m):
                kept = [p for p in m.metadata_props if p.key != "mimmo." + key]
                del m.metadata_props[:]
                m.metadata_props.extend(kept)
            return change

        def output_dim(index, value):
            def change(m):
                d = m.graph.output[0].type.tensor_type.shape.dim[index]
                if isinstance(value, str):
                    d.dim_param = value
                else:
                    d.dim_value = value
            return change

        def rename_input(m):
            m.graph.input[0].name = "pixels"
            for node in m.graph.node:
                node.input[:] = ["pixels" if i == "input" else i for i in node.input]

        def opset(m):
            m.opset_import[0].version = 16

        cases = {
            "weights sum to": meta("exit_weights", "[[0.5, 0.5, 0.5], [0.2, 0.2, 0.2], [0.2, 0.2, 0.2]]"),
            "lacks mimmo.labels": drop("labels"),
            "exactly the keys": meta("replication", '{"1": [[0], [1], [2]]}'),
            "overlap": meta("replication", '{"1": [[0], [0], [2]], "3": [[0, 1, 2]]}'),
            "distinct ints": meta("ensemble_sizes", "[3, 1]"),
            "default_ensemble_size must be one of": meta("default_ensemble_size", "2"),
            "mimmo.family must be one of": meta("family", "mixmo"),
            "mimmo.slots must be a decimal integer": meta("slots", "three"),
            "not valid JSON": meta("labels", "[T-shirt"),
            "dimension 2 must be 3": output_dim(2, 4),
            "dimension 1 must be fixed": output_dim(1, "exits"),
            "must be named 'input'": rename_input,
            "opset 17": opset,
        }
        for needle, change in cases.items():
            with self.subTest(needle=needle):
                self.assertIn(needle, self.broken(change))

    def test_check_ConfigWithUnknownKey_Fails(self):
        directory = os.path.join(self.tmp, "badconfig")
        shutil.copytree(self.model["single0"], directory)
        with open(os.path.join(directory, "config.json"), "w") as f:
            json.dump({"max_rows_per_runs": 8, "execution_provider": "tpu"}, f)
        rc, out = kit("check", directory)
        self.assertEqual(rc, 1)
        self.assertIn("unknown key 'max_rows_per_runs'", out)
        self.assertIn("execution_provider must be one of", out)

    def test_check_PlainClassifier_IsAValidSingle(self):
        path = os.path.join(self.tmp, "plain.onnx")
        net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
        torch.onnx.export(net, torch.rand(2, 1, 28, 28), path, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=13)
        self.assertIn("family=single M=1 E=1 K=10 item_shape=[1, 28, 28]", check.check(path))

    def test_check_OutputKinds_SoftmaxIsProbabilitiesOneValueAndSigmoidRefused(self):
        def export(name, *tail, outputs=10):
            path = os.path.join(self.tmp, name)
            net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, outputs), *tail)
            torch.onnx.export(net, torch.rand(2, 1, 28, 28), path, input_names=["x"], output_names=["y"],
                              dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=13)
            return path

        self.assertIn("output logits", check.check(export("logits.onnx")))
        self.assertIn("output logits", check.check(export("logsoftmax.onnx", torch.nn.LogSoftmax(dim=1))))
        self.assertIn("output probabilities", check.check(export("softmax.onnx", torch.nn.Softmax(dim=1))))
        for name, tail, outputs, problem in (("regressor.onnx", [], 1, "1 value per input"),
                                             ("sigmoid.onnx", [torch.nn.Sigmoid()], 10, "computed by Sigmoid")):
            with self.subTest(name=name):
                with self.assertRaises(check.ContractError) as caught:
                    check.check(export(name, *tail, outputs=outputs))
                self.assertIn(problem, str(caught.exception))

    def test_check_NotOnnx_Fails(self):
        path = os.path.join(self.tmp, "junk.onnx")
        with open(path, "wb") as f:
            f.write(b"not a model")
        with self.assertRaises(check.ContractError) as caught:
            check.check(path)
        self.assertIn("not a valid ONNX model", str(caught.exception))

    def test_evaluate_And_Reference_WriteReportMetadataAndParityData(self):
        cwd = os.getcwd()
        os.chdir(self.tmp)
        try:
            specs = [f"mimmo={self.ckpt['mimmo']}", f"ensemble={self.ensemble_ckpt}"]
            rc, out = kit("evaluate", "--models", *specs, "--limit", "300", "--report", "R.md", "--figures", "fig")
            self.assertEqual(rc, 0)
            with open("R.md") as f:
                report = f.read()
            self.assertIn("| mimmo | mimmo | 3 | k=1 |", report)
            # Each member among other inputs scores every input once, so their mean is the k=1 row's accuracy.
            with open(os.path.join("fig", "metrics.json")) as f:
                everything = json.load(f)
            stored = everything["mimmo"]
            members = np.array(stored["member_accuracy"])
            self.assertEqual(members.shape, (3, 3))
            self.assertAlmostEqual(members[:, 2].mean(), stored["scenarios"]["k=1"]["accuracy"], places=6)
            self.assertIn("| mimmo | 2 |", report)
            self.assertIsNone(everything["ensemble"]["member_accuracy"])
            self.assertTrue(os.path.getsize(os.path.join("fig", "reliability.png")) > 1000)
            meta = {p.key: p.value for p in onnx.load(os.path.join("mimmo", "model.onnx")).metadata_props}
            self.assertEqual(sorted(json.loads(meta["mimmo.metrics"])["k"]), ["1", "3"])
            rc, _ = kit("reference", "--models", *specs, "--out", "ref")
            self.assertEqual(rc, 0)
            self.assert_reference("ref", {"mimmo": os.path.join("mimmo", "model.onnx")})
        finally:
            os.chdir(cwd)

    def assert_reference(self, directory, onnx_paths):
        """The reference data's files have the manifest's sizes, and its probabilities follow the served
        probability formula from its logits and the ONNX file's exit weights."""
        with open(os.path.join(directory, "manifest.json")) as f:
            manifest = json.load(f)
        n = manifest["count"]
        self.assertEqual(n, 256)
        self.assertEqual(len(manifest["labels"]), n)
        images = np.fromfile(os.path.join(directory, manifest["images"]), "<f4").reshape(n, 1, 28, 28)
        self.assertTrue(0 <= images.min() and images.max() <= 1 and images.max() > 0.5)
        for name, entry in manifest["models"].items():
            m, e, k = entry["slots"], entry["exits"], entry["num_classes"]

            def read(key, *shape):
                return np.fromfile(os.path.join(directory, entry[key]), "<f4").reshape(n, *shape)

            same, shifted = read("logits_same", e, m, k), read("logits_shifted", e, m, k)
            probs_same, probs_shifted = read("probs_same", k), read("probs_shifted", m, k)
            if name in onnx_paths:
                meta = {p.key: p.value for p in onnx.load(onnx_paths[name]).metadata_props}
                w = np.array(json.loads(meta["mimmo.exit_weights"]))
                soft = torch.softmax(torch.from_numpy(same).double(), -1).numpy()
                expected = (soft * w[None, :, :, None]).sum(1).mean(1)
                np.testing.assert_allclose(probs_same, expected, atol=1e-5)
                soft = torch.softmax(torch.from_numpy(shifted).double(), -1).numpy()
                np.testing.assert_allclose(probs_shifted, (soft * w[None, :, :, None]).sum(1), atol=1e-5)
            if name in onnx_paths:
                # The ONNX graph (run in numpy) reproduces PyTorch's logits on the reference rows.
                rows = np.repeat(images[:32, None], m, axis=1)
                if entry.get("staged"):
                    got, got_gates = run_stages(onnx_paths[name], rows)
                    gates_same = read("gates_same", e, m)
                    np.testing.assert_allclose(got_gates, gates_same[:32], atol=1e-4)
                    threshold = json.loads(meta["mimmo.stages"])["gate_threshold"]
                    np.testing.assert_array_equal(entry["auto_exits_same"], policies.auto_exits(gates_same, threshold))
                else:
                    (got,) = onnx_numpy.run(onnx.load(onnx_paths[name]), {"input": rows})
                np.testing.assert_allclose(got, same[:32], atol=1e-4)
            np.testing.assert_allclose(probs_same.sum(-1), 1, atol=1e-4)
            np.testing.assert_allclose(probs_shifted.sum(-1), 1, atol=1e-4)
            if m == 1:
                np.testing.assert_array_equal(same, shifted)

    def test_bundled_Models_PassTheCheckAndMatchTheReferenceData(self):
        paths = {name: os.path.join(MODELS, name, "model.onnx") for name in BUNDLED}
        for name, path in paths.items():
            with self.subTest(name=name):
                self.assertTrue(os.path.exists(path), f"{path} is missing")
                # Small enough to commit: the largest, the deep ensemble of three 756k-parameter networks, is 9.1 MB.
                self.assertLess(os.path.getsize(path), 12e6)
                check.check(path)
        self.assert_reference(os.path.join(MODELS, "reference"), paths)


def run_stages(model_path, rows):
    """Runs a staged model's graphs one after the other in numpy: (logits [N, E, M, K], gates [N, E, M])."""
    meta = {p.key: p.value for p in onnx.load(model_path).metadata_props}
    h, logits, gate_values = rows, [], []
    for name in json.loads(meta["mimmo.stages"])["files"]:
        graph = onnx.load(os.path.join(os.path.dirname(model_path), name))
        outs = onnx_numpy.run(graph, {graph.graph.input[0].name: h})
        logits.append(outs[0][:, 0])
        gate_values.append(outs[1])
        h = outs[-1]
    return np.stack(logits, 1), np.stack(gate_values, 1)


class StagedTest(unittest.TestCase):
    """The staged early-exit model: gates trained on a tiny MIMMO, its stage export, check and evaluation."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mimmo-kit-staged-")
        mimmo = os.path.join(cls.tmp, "runs", "mimmo")
        kit("train", "--family", "mimmo", "--out", mimmo, *TINY, "--strided-first")
        cls.ckpt = os.path.join(cls.tmp, "runs", "jei", "checkpoint.pt")
        kit("gates", "--init", os.path.join(mimmo, "checkpoint.pt"), "--out", os.path.dirname(cls.ckpt), "--subset", "512",
            "--max-batches", "3", "--epochs", "1", "--monitor", "200", "--batch-size", "32", "--gate-steps", "20",
            "--select", "200", "--sweep", "0.01,0.5", "--threads", "2")
        cls.model = os.path.join(cls.tmp, "jei")
        kit("export", "--checkpoint", cls.ckpt, "--out", cls.model)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_export_StagesRunInTurn_MatchPyTorchLogitsAndGates(self):
        _, net, _ = checkpoints.load(self.ckpt)
        x = np.random.default_rng(2).random((5, 3, 1, 28, 28), dtype=np.float32)
        got_logits, got_gates = run_stages(os.path.join(self.model, "model.onnx"), x)
        with torch.no_grad():
            want_logits, want_gates = net.staged(torch.from_numpy(x))
        np.testing.assert_allclose(got_logits, want_logits.numpy(), atol=1e-4)
        np.testing.assert_allclose(got_gates, want_gates.numpy(), atol=1e-5)
        self.assertTrue((got_gates[:, -1] == 1).all())
        self.assertIn("family=jeidnn M=3 E=3 K=10", check.check(os.path.join(self.model, "model.onnx"), True))

    def test_export_StageCosts_AreMultiplyAccumulateSharesSummingToOne(self):
        meta = {p.key: p.value for p in onnx.load(os.path.join(self.model, "model.onnx")).metadata_props}
        stages = json.loads(meta["mimmo.stages"])
        self.assertEqual(stages["files"], ["model.onnx", "stage1.onnx", "stage2.onnx"])
        self.assertAlmostEqual(sum(stages["costs"]), 1, places=6)
        # The first stage (one strided convolution and its exit) is far cheaper than the deeper ones.
        self.assertLess(stages["costs"][0], stages["costs"][1])
        self.assertEqual(json.loads(meta["mimmo.exit_weights"])[-1], [1.0, 1.0, 1.0])

    def test_gates_History_HoldsTheLambdaSweepAndTheChoice(self):
        with open(os.path.join(os.path.dirname(self.ckpt), "history.json")) as f:
            history = json.load(f)
        sweep = next(h for h in history if "sweep" in h)
        self.assertEqual([r["lambda"] for r in sweep["sweep"]], [0.01, 0.5])
        self.assertIn(sweep["chosen"], (0.01, 0.5))
        self.assertEqual([h["phase"] for h in history if "phase" in h], ["warm-up", "joint"])
        calibration = next(h["conformal"] for h in history if "conformal" in h)
        # Calibrated on the held-out images left after the monitor (200) and select (200) splits, per exit.
        self.assertEqual(calibration["images"], 4600)
        for k in ("1", "3"):
            self.assertEqual(sum(calibration["counts"][k]), 4600)
            self.assertEqual(len(calibration["pooled"][k]), 3)
        # A larger lambda never makes the gates spend more compute on the same held-out images.
        self.assertLessEqual(sweep["sweep"][1]["compute"], sweep["sweep"][0]["compute"] + 1e-9)

    def test_check_BrokenStagedModels_FailWithAClearMessage(self):
        def stages(change):
            def apply(folder):
                path = os.path.join(folder, "model.onnx")
                model = onnx.load(path)
                meta = {p.key: p.value for p in model.metadata_props}
                value = json.loads(meta["mimmo.stages"])
                change(value)
                contract.set_metadata(model, {"mimmo.stages": json.dumps(value)})
                onnx.save(model, path)
            return apply

        def remove_stage2(folder):
            os.remove(os.path.join(folder, "stage2.onnx"))

        def conformal_key(folder):
            path = os.path.join(folder, "model.onnx")
            model = onnx.load(path)
            contract.set_metadata(model, {"mimmo.conformal": json.dumps({"alpha": 0.1, "thresholds": {"3": [0.5]}})})
            onnx.save(model, path)

        def config(folder):
            with open(os.path.join(folder, "config.json"), "w") as f:
                json.dump({"exit_policy": "sometimes"}, f)

        cases = {
            "costs must be 3 positive numbers summing to 1": stages(lambda v: v.update(costs=[0.5, 0.5, 0.5])),
            "gate_threshold must be in (0, 1)": stages(lambda v: v.update(gate_threshold=1.5)),
            "the first model.onnx": stages(lambda v: v.update(files=["stage1.onnx", "model.onnx", "stage2.onnx"])),
            "not a valid ONNX model": remove_stage2,
            "exit_policy must be": config,
            "mimmo.conformal thresholds must map": conformal_key,
        }
        for needle, change in cases.items():
            with self.subTest(needle=needle):
                folder = os.path.join(self.tmp, "broken", needle[:8].replace(" ", "_"))
                shutil.copytree(self.model, folder)
                change(folder)
                with self.assertRaises(check.ContractError) as caught:
                    check.check(os.path.join(folder, "model.onnx"))
                self.assertIn(needle, str(caught.exception))

    def test_evaluateStages_WritesPoliciesToTheReportAndMetadata(self):
        cwd = os.getcwd()
        os.chdir(self.tmp)
        try:
            rc, out = kit("evaluate-stages", "--model", f"jei={self.ckpt}", "--limit", "200", "--report", "R.md")
            self.assertEqual(rc, 0)
            with open("R.md") as f:
                report = f.read()
            for needle in ("| auto |", "| exit 0 |", "| confidence >= 0.9 |", "### The lambda sweep of the gates"):
                self.assertIn(needle, report)
            metrics_ = json.loads({p.key: p.value for p in onnx.load(os.path.join("jei", "model.onnx")).metadata_props}
                                  ["mimmo.metrics"])
            self.assertEqual(metrics_["policy"], "auto")
            self.assertTrue(0 < metrics_["compute"]["3"] <= 1)
        finally:
            os.chdir(cwd)


class PoliciesTest(unittest.TestCase):
    def test_autoExits_MeanGateOverTheSlots_StopsAtTheFirstExitReachingTheThreshold(self):
        g = np.array([[[0.9, 0.2], [1, 1], [1, 1]],      # mean 0.55 at exit 0
                      [[0.4, 0.5], [0.6, 0.3], [1, 1]],  # 0.45, 0.45, then the last exit
                      [[0.1, 0.1], [0.7, 0.5], [1, 1]]])  # exit 1
        np.testing.assert_array_equal(policies.auto_exits(g, 0.5), [0, 2, 1])

    def test_confidenceExits_NoExitConfidentEnough_IsTheLastExit(self):
        probs = np.array([[[0.5, 0.5], [0.8, 0.2], [0.6, 0.4]], [[0.95, 0.05], [0.5, 0.5], [0.5, 0.5]]])
        np.testing.assert_array_equal(policies.confidence_exits(probs, 0.9), [2, 0])
        np.testing.assert_array_equal(policies.confidence_exits(probs, 0.8), [1, 0])

    def test_exitDistribution_SumsToOneAndLeavesTheRestToTheLastExit(self):
        q = gates.exit_distribution(torch.tensor([[0.25, 0.5], [0.0, 0.0], [1.0, 0.3]]))
        np.testing.assert_allclose(q.numpy(), [[0.25, 0.375, 0.375], [0, 0, 1], [1, 0, 0]], atol=1e-7)

    def test_oracleExits_Lambda_TradesLossForCompute(self):
        ce = torch.tensor([[0.30, 0.10, 0.05], [2.0, 0.5, 0.1]])
        cum = torch.tensor([0.1, 0.55, 1.0])
        self.assertEqual(gates.oracle_exits(ce, cum, 0.0).tolist(), [2, 2])
        self.assertEqual(gates.oracle_exits(ce, cum, 1.0).tolist(), [0, 1])

    def test_gateLoss_TargetAndLaterGates_LearnToExitEarlierGatesToStay(self):
        probs = torch.tensor([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]], requires_grad=True)
        gates.gate_loss(probs, torch.tensor([1, 3])).backward()
        # Input 0 targets exit 1: gate 0 stays (its probability is pushed down), gates 1 and 2 exit (pushed up).
        self.assertGreater(probs.grad[0, 0].item(), 0)
        self.assertLess(probs.grad[0, 1].item(), 0)
        self.assertLess(probs.grad[0, 2].item(), 0)
        # Input 1 targets the last exit, which has no gate: every gate stays.
        self.assertTrue((probs.grad[1] > 0).all())
        # Two exits against four stays: each exit weighs twice a stay.
        self.assertAlmostEqual(probs.grad[0, 1].item(), -2 * probs.grad[0, 0].item(), places=6)

    def test_headLoss_WeighsEachExitByItsExitProbability_AtTheScaleOfTheSum(self):
        ce = torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
        q = torch.tensor([[0.5, 0.5, 0.0]], requires_grad=True)
        loss = gates.head_loss(ce, q)
        self.assertAlmostEqual(loss.item(), 6.0, places=5)
        loss.backward()
        # Gradients follow q (times the fixed ratio 6 / 1.5 = 4); none reaches the gates through q.
        np.testing.assert_allclose(ce.grad.numpy(), [[2.0, 2.0, 0.0]], atol=1e-6)
        self.assertIsNone(q.grad)

    def test_conformalThresholds_CoverAtLeastOneMinusAlphaOfTheCalibrationInputs(self):
        rng = np.random.default_rng(0)
        probs = rng.dirichlet(np.ones(10) * 0.3, size=(2000, 3))
        labels = rng.integers(0, 10, 2000)
        q = policies.conformal_thresholds(probs, labels, 0.1)
        for e in range(3):
            sets = policies.conformal_sets(probs, np.full(2000, e), q)
            self.assertGreaterEqual(sets[np.arange(2000), labels].mean(), 0.9)
        # A smaller alpha needs larger sets.
        self.assertTrue(all(a >= b for a, b in zip(policies.conformal_thresholds(probs, labels, 0.02), q)))


class PiecesTest(unittest.TestCase):
    def test_checkConfig_GatherWhenIdle_BoolAcceptedAnythingElseRefused(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "config.json")
            for value, valid in ((True, True), (False, True), (1, False), ("true", False)):
                with open(path, "w") as f:
                    json.dump({"gather_when_idle": value}, f)
                errors = []
                check._check_config(path, [1, 2, 3], errors)
                self.assertEqual(errors == [], valid, f"{value!r}: {errors}")

    def test_checkConfig_LabelsOutputAndServerKeys_CheckedAsTheServerReadsThem(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "config.json")
            for config, valid in (({"labels": ["a", "b"], "output": "probabilities"}, True),
                                  ({"max_items_per_request": 16, "run_timeout_ms": 250}, True),
                                  ({"labels": []}, False), ({"labels": ["a", " "]}, False),
                                  ({"output": "regression", "regression": "mean_variance"}, True),
                                  ({"output": "scores"}, False), ({"regression": "gaussian"}, False),
                                  ({"max_items_per_request": 0}, False)):
                with open(path, "w") as f:
                    json.dump(config, f)
                errors = []
                check._check_config(path, [1], errors)
                self.assertEqual(errors == [], valid, f"{config!r}: {errors}")

    def test_check_InputValues_AsTheServerReadsThem_ConfigOverMetadataKeyByKey(self):
        pixels = {"mimmo.input_scale": repr(1 / 255), "mimmo.input_range": "[0, 1]"}
        for meta, overrides, problem in (
                (pixels, {}, None),
                ({"mimmo.input_scale": "0.00392157", "mimmo.input_range": "[0, 1]"}, {}, None),  # 255 x it rounds past 1
                (pixels, {"input_scale": 1}, "config.json input_scale: bytes 0..255 mean 0..255, outside the input range"),
                (pixels, {"input_range": [0, 255]}, None),
                ({"mimmo.input_scale": "0"}, {}, "mimmo.input_scale must be a number above 0"),
                ({"mimmo.input_offset": "-1"}, {}, "an offset without a scale"),
                ({"mimmo.input_range": "[1, 0]"}, {}, "must be [min, max] with min < max"),
                ({}, {"input_range": [0, "1"]}, "config.json input_range must be [min, max]")):
            errors = []
            check._input_values(meta, overrides, errors)
            if problem is None:
                self.assertEqual(errors, [], (meta, overrides))
            else:
                self.assertTrue(any(problem in e for e in errors), (meta, overrides, errors))
        self.assertEqual(check._input_values(pixels, {}, []), "uint8 and float32")
        self.assertEqual(check._input_values({"mimmo.input_range": "[0, 1]"}, {}, []), "float32")

    def test_export_BundledModels_DeclarePixelsAsBytesAndTheUnitRange(self):
        for name in BUNDLED:
            path = os.path.join(MODELS, name, "model.onnx")
            meta = {p.key: p.value for p in onnx.load(path).metadata_props}
            self.assertEqual(float(meta["mimmo.input_scale"]), 1 / 255, name)
            self.assertEqual(json.loads(meta["mimmo.input_range"]), [0, 1], name)
            self.assertIn("inputs uint8 and float32", check.check(path))

    def test_check_ConfigOutputAndLabels_OverTheGraph(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "model.onnx")
            net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3), torch.nn.Softmax(dim=1))
            torch.onnx.export(net, torch.rand(2, 4), path, input_names=["x"], output_names=["y"],
                              dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=13)
            config = os.path.join(directory, "config.json")
            for settings, expected in (({"labels": ["a", "b", "c"], "output": "probabilities"}, "output probabilities"),
                                       ({"output": "logits"}, "the graph computes the output with Softmax"),
                                       ({"labels": ["a", "b"]}, "2 labels; the model has 3 classes")):
                with open(config, "w") as f:
                    json.dump(settings, f)
                try:
                    result = check.check(path)
                except check.ContractError as e:
                    result = str(e)
                self.assertIn(expected, result, settings)

    def test_makeRows_FullInputRepetition_PutsOneImageInEverySlot(self):
        gen = torch.Generator().manual_seed(0)
        rows = train.make_rows(torch.arange(16), 3, 2, 1.0, gen)
        self.assertEqual(rows.shape, (32, 3))
        self.assertTrue((rows == rows[:, :1]).all())

    def test_makeRows_NoInputRepetition_EachSlotPermutesTheRepeatedBatch(self):
        gen = torch.Generator().manual_seed(0)
        rows = train.make_rows(torch.arange(16), 3, 2, 0.0, gen)
        for s in range(3):
            self.assertEqual(sorted(rows[:, s].tolist()), sorted(list(range(16)) * 2))
        self.assertFalse((rows == rows[:, :1]).all())

    def test_mimmoLoss_UniformWeights_IsTheMeanOfExitLossesWithoutKl(self):
        net = nets.MimmoNet(3, 10, (8, 16, 32), 1, 8)
        logits = torch.randn(5, 3, 3, 10)
        y = torch.randint(0, 10, (5, 3))
        ce = torch.nn.functional.cross_entropy(logits.permute(0, 3, 1, 2), y[:, None].expand(-1, 3, -1))
        self.assertAlmostEqual(train.mimmo_loss(logits, y, net, 1.0).item(), 3 * ce.item(), places=5)
        with torch.no_grad():
            net.theta[0] += 2.0
        self.assertGreater(train.mimmo_loss(logits, y, net, 100.0).item(),
                           train.mimmo_loss(logits, y, net, 0.0).item() + 1)

    def test_mimonetBinding_UnitaryKeys_UnbindExactly(self):
        rng = np.random.default_rng(0)
        key = nets.unitary_key(16, rng)
        c = nets.circulant(key)
        v = rng.standard_normal(16)
        np.testing.assert_allclose(c @ v, np.real(np.fft.ifft(np.fft.fft(key) * np.fft.fft(v))), atol=1e-12)
        np.testing.assert_allclose(c.T @ (c @ v), v, atol=1e-12)

    def test_scores_ConfidentPredictions_EceIsTheConfidenceGap(self):
        probs = np.eye(4)[[0, 1, 2, 3]] * 0.97 + 0.01
        got = metrics.scores(probs, [0, 1, 2, 3])
        self.assertEqual(got["accuracy"], 1.0)
        self.assertAlmostEqual(got["ece"], 0.02, places=6)
        self.assertAlmostEqual(got["nll"], -np.log(0.98), places=6)
        wrong = metrics.scores(probs, [1, 2, 3, 0])
        self.assertEqual(wrong["accuracy"], 0.0)
        self.assertAlmostEqual(wrong["ece"], 0.98, places=6)


class RecipeTest(unittest.TestCase):
    """The recipe's pieces: augmentation, MIMONet's keys and unbinding, per-exit calibration, exact resume."""

    def test_augment_PadAndCrop_MovesTheImageByAtMostThePad(self):
        images = torch.zeros(64, 1, 28, 28)
        images[:, 0, 10, 12] = 1.0
        out = data.augment(images, torch.Generator().manual_seed(0), pad=2, flip=False)
        self.assertEqual(out.shape, images.shape)
        where = out[:, 0].flatten(1).argmax(1)
        rows, cols = where // 28, where % 28
        self.assertTrue(((rows - 10).abs() <= 2).all() and ((cols - 12).abs() <= 2).all())
        self.assertTrue(torch.equal(out.sum((1, 2, 3)), torch.ones(64)))  # the pixel is never cropped away here
        self.assertGreater(len(set(zip(rows.tolist(), cols.tolist()))), 10)  # the offsets vary

    def test_augment_Flip_MirrorsAboutHalfOfTheImages(self):
        images = torch.rand(400, 1, 28, 28)
        out = data.augment(images, torch.Generator().manual_seed(1), pad=0, flip=True)
        same = (out == images).flatten(1).all(1)
        mirrored = (out == images.flip(3)).flatten(1).all(1)
        self.assertTrue((same | mirrored).all())
        self.assertTrue(150 < mirrored.sum().item() < 250)

    def test_augment_SameGeneratorSeed_SameDraws(self):
        images = torch.rand(8, 1, 28, 28)
        a = data.augment(images, torch.Generator().manual_seed(5))
        b = data.augment(images, torch.Generator().manual_seed(5))
        self.assertTrue(torch.equal(a, b))

    def test_mimonet_BindingWithTrainableKeys_IsCircularConvolutionAndLearns(self):
        net = nets.MimoNet(3, 10, 8, (16, 32), convs=2)
        w = net.binding()
        self.assertEqual(tuple(w.shape), (8, 24, 1, 1))
        v = np.random.default_rng(0).standard_normal(8)
        keys = net.keys.detach().double().numpy()
        for m in range(3):
            want = np.real(np.fft.ifft(np.fft.fft(keys[m]) * np.fft.fft(v)))
            np.testing.assert_allclose(w[:, m * 8:(m + 1) * 8, 0, 0].detach().double().numpy() @ v, want, atol=1e-5)
        x = torch.rand(4, 3, 1, 28, 28)
        out = net(x)
        self.assertEqual(tuple(out.shape), (4, 1, 3, 10))
        torch.nn.functional.cross_entropy(out[:, 0].reshape(-1, 10), torch.randint(0, 10, (12,))).backward()
        self.assertTrue(net.keys.requires_grad)
        self.assertGreater(net.keys.grad.abs().sum().item(), 0)
        self.assertEqual(tuple(net.unbind.weight.shape), (3 * 32, 32))
        self.assertGreater(net.unbind.weight.grad.abs().sum().item(), 0)

    def test_mimonet_UnbindingPerSlot_EachSlotsLogitsFollowItsOwnInput(self):
        torch.manual_seed(0)
        net = nets.MimoNet(3, 10, 8, (16, 32), convs=1).eval()
        x = torch.rand(2, 3, 1, 28, 28)
        y = x.clone()
        y[:, 1] = torch.rand(2, 1, 28, 28)
        with torch.no_grad():
            a, b = net(x), net(y)
        # Slot 1's input changed: its own output changes; the whole row shares the trunk, so the others may too,
        # but the outputs of the slots differ from each other (each has its unbinding).
        self.assertGreater((a[:, 0, 1] - b[:, 0, 1]).abs().max().item(), 0)
        self.assertGreater((a[:, 0, 0] - a[:, 0, 2]).abs().max().item(), 1e-6)

    def test_mimonet_KeyRegularization_ZeroForOrthonormalKeysPositiveOtherwise(self):
        net = nets.MimoNet(3, 10, 8, (16, 32))
        with torch.no_grad():
            net.keys.copy_(torch.eye(8)[:3])
        self.assertAlmostEqual(net.key_regularization().item(), 0.0, places=7)
        with torch.no_grad():
            net.keys.copy_(torch.ones(3, 8))
        self.assertGreater(net.key_regularization().item(), 1.0)

    def test_exitThresholds_PerExit_CoverEachExitsInputsWherePoolingDoesNot(self):
        rng = np.random.default_rng(0)
        n = 4000
        labels = rng.integers(0, 10, n)
        exits = np.where(np.arange(n) < n // 2, 0, 1)
        # Inputs leaving at exit 0 are easy (the true class gets 0.9), those at exit 1 hard (0.3 at exit 1).
        probs = np.full((n, 2, 10), 0.0)
        truth = np.where(exits == 0, 0.9, 0.3) + rng.uniform(-0.05, 0.05, n)
        for e in range(2):
            probs[:, e] = (1 - truth[:, None]) / 9
            probs[np.arange(n), e, labels] = truth
        q, counts, pooled = policies.exit_thresholds(probs, exits, labels, 0.1, 20)
        self.assertEqual(counts, [n // 2, n // 2])
        self.assertEqual(pooled, [False, False])
        sets = policies.conformal_sets(probs, exits, q)
        for e in range(2):
            self.assertGreaterEqual(sets[exits == e][np.arange(n // 2), labels[exits == e]].mean(), 0.9)
        # A threshold of exit 1 over all calibration inputs is set by the easy half too: it under-covers the hard
        # half, the inputs that exit 1 actually answers.
        everyone = policies.conformal_thresholds(probs, labels, 0.1)
        hard = exits == 1
        sets = policies.conformal_sets(probs[hard], exits[hard], everyone)
        self.assertLess(sets[np.arange(n // 2), labels[hard]].mean(), 0.85)

    def test_exitThresholds_TooFewInputsAtAnExit_FallBackToThatExitsPooledThreshold(self):
        rng = np.random.default_rng(1)
        probs = rng.dirichlet(np.ones(10), size=(500, 3))
        labels = rng.integers(0, 10, 500)
        exits = np.full(500, 2)
        exits[:5] = 0  # five inputs leave at exit 0, none at exit 1
        q, counts, pooled = policies.exit_thresholds(probs, exits, labels, 0.1, 20)
        self.assertEqual(counts, [5, 0, 495])
        self.assertEqual(pooled, [True, True, False])
        everyone = policies.conformal_thresholds(probs, labels, 0.1)
        self.assertAlmostEqual(q[0], everyone[0])
        self.assertAlmostEqual(q[1], everyone[1])

    def test_resume_OneEpochThenResume_EqualsTwoEpochsInOneRun(self):
        tmp = tempfile.mkdtemp(prefix="mimmo-kit-resume-")
        try:
            tiny = ["--subset", "48", "--batch-size", "16", "--monitor", "40", "--channels", "8,16,32", "--exit-width",
                    "8", "--threads", "1", "--augment", "--weight-decay", "0.03", "--epochs", "2"]
            for family in ("mimmo", "mimonet"):
                with self.subTest(family=family):
                    whole, parts = os.path.join(tmp, family + "-whole"), os.path.join(tmp, family + "-parts")
                    kit("train", "--family", family, "--out", whole, *tiny)
                    rc, out = kit("train", "--family", family, "--out", parts, *tiny, "--resume", "--max-minutes", "1e-6")
                    self.assertEqual(rc, train.STOPPED)
                    self.assertIn("stopping after epoch 1 of 2", out)
                    rc, _ = kit("train", "--family", family, "--out", parts, *tiny, "--resume")
                    self.assertEqual(rc, 0)
                    a = torch.load(os.path.join(whole, "checkpoint.pt"))
                    b = torch.load(os.path.join(parts, "checkpoint.pt"))
                    for key, value in a["state"].items():
                        self.assertTrue(torch.equal(value, b["state"][key]), key)
                    self.assertEqual([h["lr_end"] for h in a["history"]], [h["lr_end"] for h in b["history"]])
                    self.assertEqual([h["session"] for h in b["history"]], [1, 2])
                    # Finished: the resume-only state is gone (the checkpoint is the weights, history and epoch).
                    self.assertEqual(b["train_state"], {"epoch": 2, "session": 2, "finished": True})
                    for h in b["history"]:
                        self.assertEqual(len(h["load_average"]), 3)
                        self.assertGreater(h["cpu_seconds"], 0)
                    # A finished run is left as it is; another run's arguments are refused.
                    rc, out = kit("train", "--family", family, "--out", parts, *tiny, "--resume")
                    self.assertIn("nothing to do", out)
                    with self.assertRaises(SystemExit) as caught:
                        kit("train", "--family", family, "--out", parts, *tiny[:-1], "3", "--resume")
                    self.assertIn("epochs: checkpoint 2, now 3", str(caught.exception))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_precision_Bf16_ForwardNearFloat32AndGradientsFloat32(self):
        args = type("Args", (), {"precision": "bf16", "alpha": 0.1, "key_regularization": 0.1})()
        x = torch.rand(8, 3, 1, 28, 28)
        y = torch.randint(0, 10, (8, 3))
        for family in ("mimmo", "mimonet"):
            with self.subTest(family=family):
                torch.manual_seed(0)
                net = nets.build(family, train.hyper_parameters(type("A", (), {
                    "family": family, "slots": 3, "width": 1.0, "channels": "16,32,64", "stem": 0, "convs": 1,
                    "exit_width": 8, "strided_first": True, "seed": 0})()))
                net.eval()  # batch statistics of the same batch in both passes
                with torch.no_grad():
                    exact = net(x)
                    mixed = train.forward_of(net, x, args)
                self.assertEqual(mixed.dtype, torch.float32)
                # bfloat16 keeps 8 bits of mantissa: close, and not the float32 result bit for bit (autocast ran).
                self.assertLess((mixed - exact).abs().max().item(), 0.05 * exact.abs().max().item() + 1e-3)
                self.assertFalse(torch.equal(mixed, exact))
                net.train()
                loss = train.loss_of(net, x, y, args)
                loss.backward()
                self.assertTrue(torch.isfinite(loss))
                self.assertTrue(all(p.grad.dtype == torch.float32 for p in net.parameters() if p.grad is not None))

    def test_pilot_FullAndOneOverMWidth_WritesTheTableAndAChoice(self):
        tmp = tempfile.mkdtemp(prefix="mimmo-kit-pilot-")
        try:
            rc, out = kit("pilot", "--out", tmp, "--widths", "1", "--channels", "12,24,48", "--exit-width", "8",
                          "--subset", "64", "--batch-size", "32", "--monitor", "60", "--epochs", "1", "--threads", "1",
                          "--goal", "100")
            self.assertEqual(rc, 0)
            with open(os.path.join(tmp, "pilot.json")) as f:
                pilot = json.load(f)
            full, part = pilot["rows"]
            self.assertEqual(full["channels"], [12, 24, 48])
            self.assertEqual(part["channels"], [4, 8, 16])
            self.assertGreater(full["parameters"], 4 * part["parameters"])
            self.assertGreater(full["macs_per_row"], part["macs_per_row"])
            self.assertEqual(pilot["chosen_width"], 1.0)
            with open(os.path.join(tmp, "pilot.md")) as f:
                self.assertIn("| MACs per row |", f.read())
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
