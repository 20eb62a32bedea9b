using MimmoServe.Onnx;

namespace MimmoServe.Serving.Batching;

/// <summary>The pinned output buffers of one buffer set, made by the model's <see cref="IRunCompletion"/>, which alone reads them.</summary>
internal interface IRunOutputs
{
    /// <summary>The run's output tensors, in the session's order; their shapes follow <see cref="SetRows"/>.</summary>
    TensorBuffer[] Tensors { get; }

    /// <summary>Writes B into the output shapes before a run.</summary>
    void SetRows(int rows);
}
