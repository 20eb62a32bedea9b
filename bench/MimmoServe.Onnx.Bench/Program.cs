using MimmoServe.Onnx.Bench;

return BindingOverheadBenchmark.Run(args);
