using System.Runtime.InteropServices;
using MimmoServe.Onnx.Handles;
using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx;

/// <summary>
/// The ONNX Runtime library of this process: loaded once, with one ORT environment, one CPU memory info and the
/// default allocator, all kept for the life of the process (ORT cannot be unloaded safely). The entry point of
/// the binding: <see cref="Initialize"/> (or <see cref="Shared"/>), then <see cref="CreateSession"/>.
/// Thread-safe.
/// </summary>
public sealed unsafe class OnnxRuntime
{
    private static readonly Lock s_lock = new();
    private static OnnxRuntime? s_instance;

    private OnnxRuntime(OrtLibrary library, OnnxRuntimeOptions options)
    {
        Library = library;
        Env = OrtEnvHandle.Create((OrtLoggingLevel)options.LogLevel, options.LogId);
        try
        {
            MemoryInfo = OrtMemoryInfoHandle.CreateCpu();
            nint allocator;
            OrtStatus.Check(OrtNative.Api->GetAllocatorWithDefaultOptions(&allocator));
            Allocator = allocator;
            AvailableProviders = ReadAvailableProviders();
        }
        catch
        {
            // Nothing half-built survives: the next Initialize starts over.
            MemoryInfo?.Dispose();
            Env.Dispose();
            throw;
        }
    }

    /// <summary>The runtime, initialized with default options if <see cref="Initialize"/> was not called first.</summary>
    public static OnnxRuntime Shared => Volatile.Read(ref s_instance) ?? Initialize();

    /// <summary>ORT's version string, e.g. "1.30.0".</summary>
    public string Version => Library.Version;

    /// <summary>Full path of the loaded library.</summary>
    public string LibraryPath => Library.Path;

    /// <summary>The C API table version in use (<see cref="OnnxConstants.ApiVersion"/>).</summary>
    public uint ApiVersion => Library.ApiVersion;

    /// <summary>
    /// Providers compiled into the library (<c>GetAvailableProviders</c>), e.g. CUDAExecutionProvider: compiled in,
    /// not necessarily usable; a session reports what it really got in <see cref="OnnxSession.ExecutionProvider"/>.
    /// </summary>
    public IReadOnlyList<string> AvailableProviders { get; }

    internal OrtLibrary Library { get; }

    internal OrtEnvHandle Env { get; }

    internal OrtMemoryInfoHandle MemoryInfo { get; }

    /// <summary>ORT's default CPU allocator: owned by ORT, never released.</summary>
    internal nint Allocator { get; }

    /// <summary>
    /// Loads the library (once per process) and creates the environment. Later calls return the same instance;
    /// one that names a different library than the loaded one is an error rather than silently ignored.
    /// </summary>
    /// <exception cref="OrtLibraryException">The library cannot be found, loaded, or is older than 1.17.</exception>
    public static OnnxRuntime Initialize(OnnxRuntimeOptions? options = null)
    {
        options ??= new OnnxRuntimeOptions();
        options.Validate();
        lock (s_lock)
        {
            var environmentPath = Environment.GetEnvironmentVariable(OnnxConstants.LibraryEnvironmentVariable);
            if (s_instance is { } existing)
            {
                var wanted = options.Library is { Length: > 0 } path ? Path.GetFullPath(path) : null;
                if (wanted is not null && wanted != existing.LibraryPath)
                {
                    throw new InvalidOperationException(
                        $"ONNX Runtime is already loaded from '{existing.LibraryPath}'; it cannot be reloaded from '{wanted}' in the same process.");
                }

                return existing;
            }

            var library = OrtLibrary.Load(options.Library, environmentPath, AppContext.BaseDirectory);
            OrtNative.Api = library.Api;
            var runtime = new OnnxRuntime(library, options);
            Volatile.Write(ref s_instance, runtime);
            return runtime;
        }
    }

    /// <summary>Loads a model. See <see cref="OnnxSession"/> for what the session offers.</summary>
    /// <exception cref="OrtException">ORT could not load the model (missing file, corrupt file, invalid graph).</exception>
    /// <exception cref="OnnxModelException">The model keeps tensor data in external files outside its folder.</exception>
    /// <exception cref="ArgumentException">Invalid <paramref name="options"/>.</exception>
    public OnnxSession CreateSession(string modelPath, OnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        options ??= new OnnxSessionOptions();
        options.Validate();
        return OnnxSession.Create(this, modelPath, options);
    }

    private IReadOnlyList<string> ReadAvailableProviders()
    {
        byte** names;
        int count;
        OrtStatus.Check(OrtNative.Api->GetAvailableProviders(&names, &count));
        try
        {
            var result = new string[count];
            for (var i = 0; i < count; i++)
            {
                result[i] = Marshal.PtrToStringUTF8((nint)names[i]) ?? string.Empty;
            }

            return Array.AsReadOnly(result);
        }
        finally
        {
            OrtStatus.Check(OrtNative.Api->ReleaseAvailableProviders(names, count));
        }
    }
}
