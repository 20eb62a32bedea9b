using MimmoServe.Onnx.Handles;
using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx;

/// <summary>
/// A loaded model. Describes its inputs and outputs (<see cref="Inputs"/>, <see cref="Outputs"/>) and metadata,
/// and runs it over caller-owned buffers (<see cref="Run"/>, in OnnxSession.Run.cs).
/// <para>Threading: everything is immutable after construction except the native session, on which ORT allows
/// concurrent Run calls; so any number of threads may call <see cref="Run"/> at once. <see cref="Dispose"/> may
/// race with runs: runs already inside ORT finish first (the native session is freed after the last one), later
/// calls throw <see cref="ObjectDisposedException"/>.</para>
/// <para>Ownership: the session owns its OrtSession and its pooled run options; the names passed to ORT live in
/// pinned managed arrays owned by this object; everything else native was released during construction.</para>
/// </summary>
public sealed partial class OnnxSession : IDisposable
{
    private readonly OnnxRuntime _runtime;
    private readonly OrtSessionHandle _session;
    private readonly TensorInfo[] _inputs;
    private readonly TensorInfo[] _outputs;
    private readonly Utf8NameTable _inputNames;
    private readonly Utf8NameTable _outputNames;
    private readonly ModelMetadata _metadata;
    private readonly RunOptionsPool _runOptionsPool = new();
    private int _disposed;

    private OnnxSession(OnnxRuntime runtime, string modelPath, OrtSessionHandle session, ExecutionProviderResult provider)
    {
        _runtime = runtime;
        _session = session;
        ModelPath = modelPath;
        ExecutionProvider = provider;
        _inputs = ReadInfos(session, runtime.Allocator, session.InputCount, input: true);
        _outputs = ReadInfos(session, runtime.Allocator, session.OutputCount, input: false);
        _inputNames = new Utf8NameTable(Array.ConvertAll(_inputs, i => i.Name));
        _outputNames = new Utf8NameTable(Array.ConvertAll(_outputs, o => o.Name));
        using var metadata = session.GetModelMetadata();
        _metadata = metadata.Read(runtime.Allocator);
    }

    /// <summary>The path the model was loaded from.</summary>
    public string ModelPath { get; }

    /// <summary>The inputs in the order <see cref="Run"/> takes them.</summary>
    public IReadOnlyList<TensorInfo> Inputs
    {
        get
        {
            ThrowIfDisposed();
            return _inputs;
        }
    }

    /// <summary>The outputs in the order <see cref="Run"/> takes their buffers.</summary>
    public IReadOnlyList<TensorInfo> Outputs
    {
        get
        {
            ThrowIfDisposed();
            return _outputs;
        }
    }

    /// <summary>Producer, graph name, descriptions, version and the whole custom metadata map.</summary>
    public ModelMetadata Metadata
    {
        get
        {
            ThrowIfDisposed();
            return _metadata;
        }
    }

    /// <summary>The provider requested and the one in use; when they differ, ORT's reason. The caller logs it.</summary>
    public ExecutionProviderResult ExecutionProvider { get; }

    internal OrtSessionHandle Handle => _session;

    internal Utf8NameTable InputNames => _inputNames;

    internal Utf8NameTable OutputNames => _outputNames;

    /// <summary>Releases the native session once no run uses it. Safe to call more than once and concurrently with runs.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _runOptionsPool.Dispose();
        _session.Dispose();
    }

    internal static OnnxSession Create(OnnxRuntime runtime, string modelPath, OnnxSessionOptions options)
    {
        // Before ORT opens the file: ORT would read external data wherever its locations point.
        ModelFiles.ExternalDataCheck.Check(modelPath);
        OrtSessionHandle session;
        ExecutionProviderResult provider;
        using (var native = SessionOptionsFactory.Create(options, withProvider: true, out provider))
        {
            try
            {
                session = OrtSessionHandle.Create(runtime.Env, modelPath, native);
            }
            catch (OrtException e) when (provider.Actual != Onnx.ExecutionProvider.Cpu)
            {
                // The provider was appended but the session could not be built with it (e.g. no usable GPU at load
                // time). Retry on CPU; if that fails too the model is at fault and that error propagates.
                using var cpu = SessionOptionsFactory.Create(options, withProvider: false, out _);
                session = OrtSessionHandle.Create(runtime.Env, modelPath, cpu);
                provider = provider with { Actual = Onnx.ExecutionProvider.Cpu, Reason = e.OrtMessage };
            }
        }

        try
        {
            return new OnnxSession(runtime, modelPath, session, provider);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static TensorInfo[] ReadInfos(OrtSessionHandle session, nint allocator, int count, bool input)
    {
        var infos = new TensorInfo[count];
        for (var i = 0; i < count; i++)
        {
            var name = input ? session.GetInputName(i, allocator) : session.GetOutputName(i, allocator);
            using var typeInfo = input ? session.GetInputTypeInfo(i) : session.GetOutputTypeInfo(i);
            if (typeInfo.ValueType == OnnxValueType.Tensor)
            {
                var shape = typeInfo.ReadTensorInfo();
                infos[i] = new TensorInfo(name, isTensor: true, shape.ElementType, shape.Dimensions, shape.SymbolicDimensions);
            }
            else
            {
                infos[i] = new TensorInfo(name, isTensor: false, TensorElementType.Undefined, [], []);
            }
        }

        return infos;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
