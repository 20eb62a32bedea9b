namespace MimmoServe.Onnx;

/// <summary>Where a session runs. ORT always keeps the CPU provider for nodes a GPU provider does not take.</summary>
public enum ExecutionProvider
{
    Cpu = 0,
    Cuda = 1,
    TensorRt = 2,
}
