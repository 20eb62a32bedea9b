using System.Diagnostics;

namespace MimmoServe.Onnx.Tests.ModelFiles;

/// <summary>
/// Models whose weight W (y = x + W, x and W [1,4]) is ONNX external data, made once per test class by /usr/bin/python3
/// with the onnx package (Debian's python3-onnx), each in its own folder under a temporary root: W as a graph initializer
/// inside a Constant node's attribute or in the then-branch of an If node, its location inside the folder or pointing out of it. The root holds
/// <c>outside.bin</c>, a valid W, so that only the location decides.
/// </summary>
public sealed class ExternalDataModels : IDisposable
{
    private const string Script = """
        import os, sys
        import numpy as np
        import onnx
        from onnx import TensorProto, helper, numpy_helper

        root = sys.argv[1]
        w = np.arange(4, dtype=np.float32).reshape(1, 4)
        with open(os.path.join(root, "outside.bin"), "wb") as f:
            f.write(w.tobytes())

        def external(location):
            t = numpy_helper.from_array(w, "W")
            t.ClearField("raw_data")
            t.data_location = TensorProto.EXTERNAL
            for key, value in (("location", location), ("offset", "0"), ("length", "16")):
                entry = t.external_data.add()
                entry.key, entry.value = key, value
            return t

        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
        args = sys.argv[2:]
        for name, location, where in (args[i:i + 3] for i in range(0, len(args), 3)):
            folder = os.path.join(root, name)
            os.makedirs(folder)
            if where == "initializer":
                nodes, initializers = [helper.make_node("Add", ["x", "W"], ["y"])], [external(location)]
            elif where == "subgraph":
                t = helper.make_tensor_value_info("t", TensorProto.FLOAT, [1, 4])
                e = helper.make_tensor_value_info("e", TensorProto.FLOAT, [1, 4])
                then_branch = helper.make_graph([helper.make_node("Identity", ["W"], ["t"])], "then", [], [t], [external(location)])
                else_branch = helper.make_graph([helper.make_node("Identity", ["x"], ["e"])], "else", [], [e])
                nodes = [helper.make_node("If", ["cond"], ["w"], then_branch=then_branch, else_branch=else_branch),
                         helper.make_node("Add", ["x", "w"], ["y"])]
                initializers = [numpy_helper.from_array(np.array(True), "cond")]
            else:
                nodes = [helper.make_node("Constant", [], ["W"], value=external(location)), helper.make_node("Add", ["x", "W"], ["y"])]
                initializers = []
            graph = helper.make_graph(nodes, "external", [x], [y], initializers)
            model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
            model.ir_version = 8
            with open(os.path.join(folder, "model.onnx"), "wb") as f:
                f.write(model.SerializeToString())
            if location == "weights.bin":
                with open(os.path.join(folder, "weights.bin"), "wb") as f:
                    f.write(w.tobytes())
        """;

    public ExternalDataModels()
    {
        Root = Directory.CreateTempSubdirectory("mimmo-external-").FullName;
        string[][] models =
        [
            ["inside", "weights.bin", "initializer"],
            ["parent", "../outside.bin", "initializer"],
            ["absolute", System.IO.Path.Combine(Root, "outside.bin"), "initializer"],
            ["climbing", "sub/../../outside.bin", "initializer"],
            ["constant", "../outside.bin", "constant"],
            ["subgraph", "../outside.bin", "subgraph"],
        ];
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])["-c", Script, Root, .. models.SelectMany(m => m)])
        {
            start.ArgumentList.Add(argument);
        }

        using var python = Process.Start(start)!;
        var error = python.StandardError.ReadToEndAsync();
        python.StandardOutput.ReadToEnd();
        Assert.True(python.WaitForExit(TimeSpan.FromSeconds(120)), "python3 did not finish making the models");
        Assert.True(python.ExitCode == 0, $"/usr/bin/python3 with onnx (python3-onnx) could not make the models: {error.Result}");
    }

    public string Root { get; }

    /// <summary>The model.onnx of the folder <paramref name="name"/>.</summary>
    public string Path(string name) => System.IO.Path.Combine(Root, name, "model.onnx");

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
