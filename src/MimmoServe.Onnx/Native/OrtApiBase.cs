namespace MimmoServe.Onnx.Native;

/// <summary>
/// What <c>OrtGetApiBase()</c> returns: <c>{ const OrtApi* GetApi(uint32_t version); const char* GetVersionString(void); }</c>.
/// Both pointers live in the library's static data for the life of the process.
/// </summary>
internal unsafe struct OrtApiBase
{
    public readonly delegate* unmanaged<uint, OrtApi*> GetApi;
    public readonly delegate* unmanaged<byte*> GetVersionString;
}
