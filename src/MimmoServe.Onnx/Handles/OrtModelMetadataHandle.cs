using MimmoServe.Onnx.Native;

namespace MimmoServe.Onnx.Handles;

/// <summary>
/// Owns an OrtModelMetadata* of a session; read once into <see cref="ModelMetadata"/> and released. Every string
/// ORT returns from it, the custom-metadata key array included, is ours to free with the allocator passed in.
/// </summary>
internal sealed unsafe class OrtModelMetadataHandle : OrtHandle
{
    public ModelMetadata Read(nint allocator)
    {
        var api = OrtNative.Api;
        long version;
        OrtStatus.Check(api->ModelMetadataGetVersion(handle, &version));
        return new ModelMetadata(
            producerName: ReadString(api->ModelMetadataGetProducerName, allocator),
            graphName: ReadString(api->ModelMetadataGetGraphName, allocator),
            domain: ReadString(api->ModelMetadataGetDomain, allocator),
            description: ReadString(api->ModelMetadataGetDescription, allocator),
            graphDescription: ReadString(api->ModelMetadataGetGraphDescription, allocator),
            version: version,
            customMetadata: ReadCustomMetadata(allocator));
    }

    private string ReadString(delegate* unmanaged<nint, nint, byte**, nint> getter, nint allocator)
    {
        byte* value;
        OrtStatus.Check(getter(handle, allocator, &value));
        return OrtAllocatedString.Take(allocator, value);
    }

    private Dictionary<string, string> ReadCustomMetadata(nint allocator)
    {
        var api = OrtNative.Api;
        byte** keys;
        long count;
        OrtStatus.Check(api->ModelMetadataGetCustomMetadataMapKeys(handle, allocator, &keys, &count));
        var map = new Dictionary<string, string>((int)count, StringComparer.Ordinal);
        if (keys is null)
        {
            return map;
        }

        // Take every key (each is freed as it is copied) even if a lookup fails, then free the array.
        var names = new string[count];
        try
        {
            for (var i = 0; i < count; i++)
            {
                var key = keys[i];
                keys[i] = null;
                names[i] = OrtAllocatedString.Take(allocator, key);
            }
        }
        finally
        {
            for (var i = 0; i < count; i++)
            {
                OrtAllocatedString.Free(allocator, keys[i]);
            }

            OrtAllocatedString.Free(allocator, keys);
        }

        foreach (var name in names)
        {
            byte* value;
            fixed (byte* key = Utf8String.Encode(name))
            {
                OrtStatus.Check(api->ModelMetadataLookupCustomMetadataMap(handle, allocator, key, &value));
            }

            map[name] = OrtAllocatedString.Take(allocator, value);
        }

        return map;
    }

    protected override bool ReleaseHandle()
    {
        OrtNative.Api->ReleaseModelMetadata(handle);
        return true;
    }
}
