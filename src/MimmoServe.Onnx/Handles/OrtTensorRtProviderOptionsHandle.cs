using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Handles;

/// <summary>
/// Owns an OrtTensorRTProviderOptionsV2*. Appending it to session options copies it, so it is released right after.
/// </summary>
internal sealed unsafe class OrtTensorRtProviderOptionsHandle : OrtHandle
{
    public static OrtTensorRtProviderOptionsHandle Create()
    {
        var options = new OrtTensorRtProviderOptionsHandle();
        nint native;
        OrtStatus.Check(OrtNative.Api->CreateTensorRTProviderOptions(&native));
        options.Attach(native);
        return options;
    }

    public void Update(IReadOnlyList<KeyValuePair<string, string>> entries)
    {
        using var table = new Utf8KeyValueTable(entries);
        OrtStatus.Check(OrtNative.Api->UpdateTensorRTProviderOptions(handle, table.Keys, table.Values, (nuint)entries.Count));
    }

    protected override bool ReleaseHandle()
    {
        OrtNative.Api->ReleaseTensorRTProviderOptions(handle);
        return true;
    }
}
