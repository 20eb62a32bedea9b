"""The regression ensemble's fast test: a few epochs of the MIMO diabetes model, exported, checked, its ONNX graph (run
in numpy) against the PyTorch network, the server's combination against a direct computation, and the regression
declarations the check refuses, each with its reason."""
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from mimmo_kit import check, contract, onnx_numpy, regression  # noqa: E402


class RegressionTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mimmo-regression-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_regression_TrainedAFewEpochs_ExportPassesTheCheckAndTheGraphMatchesPyTorch(self):
        x, y, xt, yt = regression.load(0)
        torch.manual_seed(0)
        net = regression.MimoRegressor(x.mean(0), x.std(0), y.mean(), y.std(), slots=3, hidden=8)
        loss = regression.fit(net, x, y, epochs=3, batch=64, lr=2e-3, seed=0, log=None)
        metrics = {"k": {str(k): regression.scores(net, xt, yt, k) for k in (3, 1)}}
        path = os.path.join(self.tmp, "model.onnx")
        model = regression.export(net, path, metrics)

        self.assertTrue(np.isfinite(loss))
        summary = check.check(path, execute_graph=True)
        self.assertIn("output regression (mean_variance, T=1)", summary)
        meta = {p.key: p.value for p in model.metadata_props}
        self.assertEqual(("regression", "mean_variance", "1", '["progression"]'),
                         (meta["mimmo.output"], meta["mimmo.regression"], meta["mimmo.num_targets"], meta["mimmo.labels"]))
        self.assertNotIn("mimmo.num_classes", meta)
        # Three patients, one per slot: the graph in numpy gives what PyTorch gives, means and positive variances.
        rows = xt[:6].reshape(2, 3, 10)
        (numpy_out,) = onnx_numpy.run(model, {"input": rows})
        with torch.no_grad():
            torch_out = net(torch.as_tensor(rows)).numpy()
        self.assertEqual((2, 1, 3, 2), numpy_out.shape)
        np.testing.assert_allclose(numpy_out, torch_out, rtol=1e-4, atol=1e-3)
        self.assertTrue((numpy_out[..., 1] > 0).all())

    def test_combine_TwoMembers_MeanEpistemicAndAleatoricByTheLawOfTotalVariance(self):
        means = np.array([[100.0, 110.0]])
        variances = np.array([[16.0, -4.0]])  # a negative variance counts as 0, as the server serves it

        mean, epistemic, aleatoric, total = regression.combine(means, variances)

        self.assertEqual((105.0, 25.0, 8.0, 33.0), (mean[0], epistemic[0], aleatoric[0], total[0]))

    def test_check_RegressionDeclarations_ServedOrRefusedAsTheServerReadsThem(self):
        served = self._plain_model("served", 2, {"output": "regression", "regression": "mean_variance", "labels": ["y"]})
        self.assertIn("plain regression model", check.check(served))
        self.assertIn("output regression (mean_variance, T=1)", check.check(served))
        means = self._plain_model("means", 2, {"output": "regression"})
        self.assertIn("output regression (mean, T=2)", check.check(means))
        cases = {
            "undeclared": (1, None, "a regression output is declared: mimmo.output = regression"),
            "odd": (1, {"output": "regression", "regression": "mean_variance"}, "a mean_variance head gives 2T"),
            "stray-head": (3, {"regression": "mean"}, "for an output that is not declared regression"),
            "bad-head": (2, {"output": "regression", "regression": "gaussian"}, "regression must be one of mean, mean_variance"),
            "labels": (2, {"output": "regression", "labels": ["a"]}, "1 labels; the model has 2 targets"),
        }
        for name, (width, config, reason) in cases.items():
            with self.subTest(name):
                with self.assertRaises(check.ContractError) as caught:
                    check.check(self._plain_model(name, width, config))
                self.assertIn(reason, str(caught.exception))

    def _plain_model(self, name, width, config):
        """A plain model x[B, 4] -> [B, width] (a Gemm), with `config` as its config.json."""
        folder = os.path.join(self.tmp, name)
        os.makedirs(folder)
        w = numpy_helper.from_array(np.ones((4, width), dtype=np.float32), "W")
        graph = helper.make_graph([helper.make_node("Gemm", ["x", "W"], ["y"])], name,
                                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", width])], initializer=[w])
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", contract.OPSET)]), os.path.join(folder, "model.onnx"))
        if config is not None:
            with open(os.path.join(folder, "config.json"), "w") as f:
                json.dump(config, f)
        return os.path.join(folder, "model.onnx")


if __name__ == "__main__":
    unittest.main()
