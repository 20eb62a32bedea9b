using System.Runtime.InteropServices;
using System.Text;

namespace MimmoServe.Onnx.Native;

/// <summary>
/// Keys and values as two <c>const char* const*</c> arrays of NUL-terminated UTF-8, in native memory freed on
/// dispose: the shape UpdateCUDAProviderOptions and UpdateTensorRTProviderOptions take. Used once per session.
/// </summary>
internal sealed unsafe class Utf8KeyValueTable : IDisposable
{
    private readonly List<nint> _allocations = [];

    public Utf8KeyValueTable(IReadOnlyList<KeyValuePair<string, string>> entries)
    {
        Keys = (byte**)Allocate((nuint)(Math.Max(entries.Count, 1) * sizeof(nint)));
        Values = (byte**)Allocate((nuint)(Math.Max(entries.Count, 1) * sizeof(nint)));
        for (var i = 0; i < entries.Count; i++)
        {
            Keys[i] = Copy(entries[i].Key);
            Values[i] = Copy(entries[i].Value);
        }
    }

    public byte** Keys { get; }

    public byte** Values { get; }

    public void Dispose()
    {
        foreach (var p in _allocations)
        {
            NativeMemory.Free((void*)p);
        }

        _allocations.Clear();
    }

    private byte* Copy(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        var p = (byte*)Allocate((nuint)length + 1);
        Encoding.UTF8.GetBytes(value, new Span<byte>(p, length));
        p[length] = 0;
        return p;
    }

    private void* Allocate(nuint bytes)
    {
        var p = NativeMemory.AllocZeroed(bytes);
        _allocations.Add((nint)p);
        return p;
    }
}
