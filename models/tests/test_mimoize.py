"""mimoize's fast test: a tiny network made MIMO and trained for a few steps on generated images in a class-folder
tree and on .npy arrays, exported, checked, and its ONNX graph (run in numpy) compared with the PyTorch network;
resume; and the errors a user meets, each naming what to change."""
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # the factories below are this module's: --arch test_mimoize:TinyNet
sys.path.insert(0, os.path.dirname(HERE))

from mimmo_kit import check, checkpoints, onnx_numpy, train  # noqa: E402
from test_kit import kit  # noqa: E402

CLASSES = ["cat", "dog", "owl"]
FAST = ["--epochs", "1", "--max-batches", "3", "--batch-size", "16", "--exit-width", "8", "--threads", "2"]


class TinyNet(nn.Module):
    """A user's network as torchvision writes them: an RGB stem, blocks, pooling and a 1000-class classifier."""

    def __init__(self, num_classes=1000, width=8):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, padding=1, bias=False), nn.BatchNorm2d(width),
                                  nn.ReLU(inplace=True))
        self.block1 = nn.Sequential(nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(inplace=True))
        self.block2 = nn.Sequential(nn.Conv2d(2 * width, 2 * width, 3, stride=2, padding=1), nn.ReLU(inplace=True))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2 * width, num_classes)

    def forward(self, x):
        return self.fc(self.pool(self.block2(self.block1(self.stem(x)))).flatten(1))


def no_layers():
    return nn.Sequential(nn.Flatten(), nn.ReLU())


def ends_in_softmax():
    return nn.Sequential(TinyNet(), nn.Softmax(dim=1))


def write_images(root, per_class, sizes=((12, 10),), seed=0):
    """Gray PNGs, class c a little brighter than class c - 1; sizes (height, width) are used in turn."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for c, name in enumerate(CLASSES):
        os.makedirs(os.path.join(root, name))
        for i in range(per_class):
            h, w = sizes[i % len(sizes)]
            pixels = (rng.random((h, w)) * 100 + 60 * c).astype(np.uint8)
            Image.fromarray(pixels).save(os.path.join(root, name, f"{i}.png"))


class MimoizeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mimmo-kit-mimoize-")
        cls.folders = os.path.join(cls.tmp, "images")
        write_images(os.path.join(cls.folders, "train"), 20)
        write_images(os.path.join(cls.folders, "test"), 4, seed=1)
        rng = np.random.default_rng(2)
        cls.npy = {"x": os.path.join(cls.tmp, "x.npy"), "y": os.path.join(cls.tmp, "y.npy")}
        np.save(cls.npy["x"], rng.standard_normal((64, 3, 8, 8)).astype(np.float32))
        np.save(cls.npy["y"], rng.integers(0, 4, 64))
        cls.out = {"folder": os.path.join(cls.tmp, "folder-model"), "npy": os.path.join(cls.tmp, "npy-model")}
        cls.runs = {name: os.path.join(cls.tmp, "runs", name) for name in cls.out}
        cls.rc = {}
        cls.rc["folder"], _ = kit("mimoize", "--arch", "test_mimoize:TinyNet", "--data",
                                   os.path.join(cls.folders, "train"), "--test", os.path.join(cls.folders, "test"),
                                   "--exits", "block1", "--out", cls.out["folder"], "--checkpoint-dir",
                                   cls.runs["folder"], *FAST)
        cls.rc["npy"], _ = kit("mimoize", "--factory", "test_mimoize:TinyNet", "--arch-kwargs", '{"width": 4}',
                               "--npy", cls.npy["x"], "--labels", cls.npy["y"], "--class-names", "a,b,c,d",
                               "--slots", "2", "--out", cls.out["npy"], "--checkpoint-dir", cls.runs["npy"], *FAST)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def model(self, name):
        return os.path.join(self.out[name], "model.onnx")

    def test_mimoize_FolderAndNpy_ExportsPassTheCheckWithTheirShapesInputsAndMetrics(self):
        expected = {"folder": ("M=3 E=2 K=3 item_shape=[1, 12, 10]", "inputs uint8 and float32", CLASSES, 3, "test set"),
                    "npy": ("M=2 E=1 K=4 item_shape=[3, 8, 8]", "inputs float32", ["a", "b", "c", "d"], 2, "held-out")}
        for name, (shapes, inputs, labels, slots, dataset) in expected.items():
            with self.subTest(name=name):
                self.assertEqual(self.rc[name], 0)
                summary = check.check(self.model(name), execute_graph=True)
                for needle in (shapes, inputs, "runs in numpy"):
                    self.assertIn(needle, summary)
                meta = {p.key: p.value for p in onnx.load(self.model(name)).metadata_props}
                self.assertEqual(json.loads(meta["mimmo.labels"]), labels)
                metrics = json.loads(meta["mimmo.metrics"])
                self.assertEqual(sorted(metrics["k"]), ["1", str(slots)])
                self.assertIn(dataset, metrics["dataset"])
                with open(os.path.join(self.out[name], "config.json")) as f:
                    self.assertEqual(json.load(f)["default_ensemble_size"], slots)
                self.assertTrue(os.path.exists(os.path.join(self.runs[name], "reliability.png")))

    def test_mimoize_ExportedGraphRunInNumpy_MatchesThePyTorchNetwork(self):
        for name in self.out:
            with self.subTest(name=name):
                _, net, _ = checkpoints.load(os.path.join(self.runs[name], "checkpoint.pt"))
                x = np.random.default_rng(3).random((5, net.slots, *net.item_shape), dtype=np.float32)
                (got,) = onnx_numpy.run(onnx.load(self.model(name)), {"input": x})
                with torch.no_grad():
                    want = net(torch.from_numpy(x)).numpy()
                self.assertEqual(got.shape, (5, net.num_exits, net.slots, net.classes))
                np.testing.assert_allclose(got, want, atol=1e-4)

    def test_mimoize_Network_FirstLayerTakesTheSlotsAndTheClassifierGivesMTimesK(self):
        _, net, ckpt = checkpoints.load(os.path.join(self.runs["folder"], "checkpoint.pt"))
        self.assertEqual(net.body.stem[0].in_channels, 3 * 1)  # M slots of one gray channel, not TinyNet's RGB
        self.assertEqual(net.body.fc.out_features, 3 * 3)
        self.assertEqual(net.exit_names, ["block1"])
        self.assertEqual(ckpt["family"], "mimmo")
        self.assertEqual(len(ckpt["history"]), 1)
        np.testing.assert_allclose(net.exit_weights().sum(0).detach().numpy(), 1, atol=1e-6)

    def test_mimoize_StoppedBySessionCap_ResumeContinuesAndExports(self):
        out, runs = os.path.join(self.tmp, "resumed"), os.path.join(self.tmp, "runs", "resumed")
        common = ["--arch", "test_mimoize:TinyNet", "--npy", self.npy["x"], "--labels", self.npy["y"], "--out", out,
                  "--checkpoint-dir", runs, "--resume", *FAST[2:], "--epochs", "2"]
        rc, log = kit("mimoize", *common, "--max-minutes", "1e-6")
        self.assertEqual(rc, train.STOPPED)
        self.assertFalse(os.path.exists(os.path.join(out, "model.onnx")))
        rc, log = kit("mimoize", *common)
        self.assertEqual(rc, 0)
        self.assertEqual([h["session"] for h in torch.load(os.path.join(runs, "checkpoint.pt"))["history"]], [1, 2])
        self.assertIn("family=mimmo M=3 E=1 K=4", check.check(os.path.join(out, "model.onnx")))
        with self.assertRaises(SystemExit) as caught:
            kit("mimoize", *common[:-2], "--epochs", "3", "--slots", "2")
        self.assertIn("slots: checkpoint 3, now 2", str(caught.exception))

    def test_mimoize_UnusableNetworkOrData_FailsNamingTheProblem(self):
        train_folder = os.path.join(self.folders, "train")
        empty, single, mixed = (os.path.join(self.tmp, name) for name in ("empty", "single", "mixed"))
        os.makedirs(empty)
        shutil.copytree(os.path.join(train_folder, "cat"), os.path.join(single, "cat"))
        write_images(mixed, 2, sizes=((12, 10), (14, 10)))
        short = os.path.join(self.tmp, "short.npy")
        np.save(short, np.zeros(63, dtype=np.int64))
        folder = ["--data", train_folder]
        cases = {
            "no Conv2d or Linear layer": ["--arch", "test_mimoize:no_layers", *folder],
            "ends in its classifier": ["--arch", "test_mimoize:ends_in_softmax", *folder],
            "cannot import": ["--arch", "no_such_module:net", *folder],
            "its blocks are stem, block1, block2, pool, fc": ["--arch", "test_mimoize:TinyNet", *folder,
                                                              "--exits", "block9"],
            "fc is the classifier fc": ["--arch", "test_mimoize:TinyNet", *folder, "--exits", "fc"],
            "no class folders": ["--arch", "test_mimoize:TinyNet", "--data", empty],
            "a classifier needs at least 2": ["--arch", "test_mimoize:TinyNet", "--data", single],
            "differ in size; give --image-size": ["--arch", "test_mimoize:TinyNet", "--data", mixed],
            "holds 64 items but": ["--arch", "test_mimoize:TinyNet", "--npy", self.npy["x"], "--labels", short],
        }
        for needle, argv in cases.items():
            with self.subTest(needle=needle):
                with self.assertRaises(SystemExit) as caught:
                    kit("mimoize", *argv, "--out", os.path.join(self.tmp, "never"), "--checkpoint-dir",
                        os.path.join(self.tmp, "runs", "never"), *FAST)
                self.assertIn(needle, str(caught.exception))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "never")))

    def test_mimoize_ImageSize_ResizesImagesOfEverySize(self):
        mixed = os.path.join(self.tmp, "mixed-resized")
        write_images(mixed, 4, sizes=((12, 10), (20, 16)))
        out = os.path.join(self.tmp, "resized")
        rc, _ = kit("mimoize", "--arch", "test_mimoize:TinyNet", "--data", mixed, "--image-size", "8x6", "--slots",
                    "1", "--holdout", "0.25", "--out", out, "--checkpoint-dir", os.path.join(self.tmp, "runs", "resized"),
                    *FAST)
        self.assertEqual(rc, 0)
        self.assertIn("family=single M=1 E=1 K=3 item_shape=[1, 8, 6]", check.check(os.path.join(out, "model.onnx")))


if __name__ == "__main__":
    unittest.main()
