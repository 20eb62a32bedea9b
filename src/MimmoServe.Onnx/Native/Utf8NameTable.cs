using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace MimmoServe.Onnx.Native;

/// <summary>
/// Input or output names as NUL-terminated UTF-8 in one pinned-heap array, plus a pinned array of pointers to
/// them: the <c>const char* const*</c> that <c>Run</c> takes. Built once per session so that <c>Run</c> encodes
/// nothing. Both arrays are on the pinned object heap, so the pointers stay valid for as long as this object is
/// reachable; the session holds it, and <c>Run</c> is an instance method, so it is reachable during every run.
/// </summary>
internal sealed unsafe class Utf8NameTable
{
    private readonly byte[] _bytes;
    private readonly nint[] _pointers;

    public Utf8NameTable(IReadOnlyList<string> names)
    {
        var total = 0;
        foreach (var name in names)
        {
            total += Encoding.UTF8.GetByteCount(name) + 1;
        }

        _bytes = GC.AllocateArray<byte>(Math.Max(total, 1), pinned: true);
        _pointers = GC.AllocateArray<nint>(Math.Max(names.Count, 1), pinned: true);
        var offset = 0;
        var basePointer = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_bytes));
        for (var i = 0; i < names.Count; i++)
        {
            _pointers[i] = (nint)(basePointer + offset);
            offset += Encoding.UTF8.GetBytes(names[i], _bytes.AsSpan(offset));
            _bytes[offset++] = 0;
        }

        Count = names.Count;
    }

    public int Count { get; }

    /// <summary>The <c>const char* const*</c> array; valid while this object is reachable.</summary>
    public byte** Pointers => (byte**)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_pointers));
}
