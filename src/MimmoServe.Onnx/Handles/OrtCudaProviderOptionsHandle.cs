using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Handles;

/// <summary>
/// Owns an OrtCUDAProviderOptionsV2*. Appending it to session options copies it, so it is released right after.
/// Creating it succeeds without CUDA; <see cref="Update"/> is where a missing provider library shows up.
/// </summary>
internal sealed unsafe class OrtCudaProviderOptionsHandle : OrtHandle
{
    public static OrtCudaProviderOptionsHandle Create()
    {
        var options = new OrtCudaProviderOptionsHandle();
        nint native;
        OrtStatus.Check(OrtNative.Api->CreateCUDAProviderOptions(&native));
        options.Attach(native);
        return options;
    }

    public void Update(IReadOnlyList<KeyValuePair<string, string>> entries)
    {
        using var table = new Utf8KeyValueTable(entries);
        OrtStatus.Check(OrtNative.Api->UpdateCUDAProviderOptions(handle, table.Keys, table.Values, (nuint)entries.Count));
    }

    protected override bool ReleaseHandle()
    {
        OrtNative.Api->ReleaseCUDAProviderOptions(handle);
        return true;
    }
}
