using MimmoServe.Onnx.Handles;
using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx;

public sealed partial class OnnxSession
{
    /// <summary>
    /// Runs the model once over caller-owned memory: <paramref name="inputs"/> in the order of <see cref="Inputs"/>,
    /// <paramref name="outputs"/> in the order of <see cref="Outputs"/>, with the shapes the caller knows (the output
    /// shapes must be the ones the model produces for these inputs). ORT reads the inputs and writes the outputs in
    /// place; nothing is copied and, with reused shape arrays, nothing is allocated on the managed heap.
    /// </summary>
    /// <param name="inputs">One buffer per input.</param>
    /// <param name="outputs">One buffer per output.</param>
    /// <param name="cancellationToken">Cancels a running call: ORT stops at the next node boundary.</param>
    /// <exception cref="ArgumentException">Wrong count, element type, rank, fixed dimension or a buffer too small; raised before ORT runs, naming the input or output, expected and actual.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled before or during the run.</exception>
    /// <exception cref="OrtException">ORT failed the run (e.g. an output shape that does not match what the model produces).</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    public unsafe void Run(ReadOnlySpan<TensorBuffer> inputs, ReadOnlySpan<TensorBuffer> outputs, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (inputs.Length != _inputs.Length)
        {
            throw TensorBufferValidator.CountMismatch("inputs", _inputs, inputs.Length);
        }

        if (outputs.Length != _outputs.Length)
        {
            throw TensorBufferValidator.CountMismatch("outputs", _outputs, outputs.Length);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var count = inputs.Length + outputs.Length;
        Span<nint> values = count <= OnnxConstants.MaxStackValues ? stackalloc nint[count] : new nint[count];
        var api = OrtNative.Api;
        var addedRef = false;
        OrtRunOptionsHandle? runOptions = null;
        fixed (nint* v = values)
        {
            try
            {
                // Keeps the native session alive against a concurrent Dispose; throws ObjectDisposedException after it.
                _session.DangerousAddRef(ref addedRef);
                var memoryInfo = _runtime.MemoryInfo.Pointer;
                for (var i = 0; i < inputs.Length; i++)
                {
                    v[i] = CreateValue(memoryInfo, inputs[i], _inputs[i], "Input");
                }

                for (var i = 0; i < outputs.Length; i++)
                {
                    v[inputs.Length + i] = CreateValue(memoryInfo, outputs[i], _outputs[i], "Output");
                }

                nint status;
                if (!cancellationToken.CanBeCanceled)
                {
                    status = api->Run(_session.Pointer, 0, _inputNames.Pointers, v, (nuint)inputs.Length, _outputNames.Pointers, (nuint)outputs.Length, v + inputs.Length);
                }
                else
                {
                    runOptions = _runOptionsPool.Rent();
                    using (cancellationToken.UnsafeRegister(OrtRunOptionsHandle.TerminateCallback, runOptions))
                    {
                        status = api->Run(_session.Pointer, runOptions.Pointer, _inputNames.Pointers, v, (nuint)inputs.Length, _outputNames.Pointers, (nuint)outputs.Length, v + inputs.Length);
                    }

                    // The registration is disposed: the callback has finished or will never run. If the token was
                    // cancelled the terminate flag may be set, so these options are not reused.
                    if (cancellationToken.IsCancellationRequested)
                    {
                        runOptions.Dispose();
                        runOptions = null;
                        if (status != 0)
                        {
                            OrtStatus.Release(status);
                            throw new OperationCanceledException(cancellationToken);
                        }
                    }
                }

                OrtStatus.Check(status);
            }
            finally
            {
                for (var i = 0; i < count; i++)
                {
                    OrtValueHandle.ReleasePointer(v[i]);
                }

                if (runOptions is not null)
                {
                    _runOptionsPool.Return(runOptions);
                }

                if (addedRef)
                {
                    _session.DangerousRelease();
                }
            }
        }
    }

    private static unsafe nint CreateValue(nint memoryInfo, in TensorBuffer buffer, TensorInfo info, string role)
    {
        var bytes = TensorBufferValidator.Validate(buffer, info, role);
        return OrtValueHandle.CreateTensorPointer(memoryInfo, (void*)buffer.Data, (nuint)bytes, buffer.Shape.Span, buffer.ElementType);
    }
}
