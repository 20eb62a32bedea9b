using System.Globalization;
using System.Runtime.InteropServices;

namespace MimmoServe.Onnx.Native;

/// <summary>
/// A loaded ONNX Runtime library: its path, version string and function table for
/// <see cref="OnnxConstants.ApiVersion"/>. Loading goes through <see cref="NativeLibrary.Load(string)"/> and the
/// single export <c>OrtGetApiBase</c>; no DllImport name resolution is involved. The process-wide instance is made
/// by <see cref="OnnxRuntime.Initialize"/>; <see cref="Open"/> itself has no global effect, so tests can try bad
/// paths without disturbing it.
/// </summary>
internal sealed unsafe class OrtLibrary
{
    private OrtLibrary(string path, string version, OrtApi* api, uint apiVersion)
    {
        Path = path;
        Version = version;
        Api = api;
        ApiVersion = apiVersion;
    }

    public string Path { get; }

    public string Version { get; }

    public OrtApi* Api { get; }

    public uint ApiVersion { get; }

    /// <summary>Resolves (see <see cref="OrtLibraryResolver"/>) and opens the library.</summary>
    public static OrtLibrary Load(string? configuredPath, string? environmentPath, string baseDirectory)
    {
        var candidates = OrtLibraryResolver.Candidates(configuredPath, environmentPath, baseDirectory);
        return Open(OrtLibraryResolver.Choose(candidates, baseDirectory), OnnxConstants.ApiVersion);
    }

    /// <summary>Loads <paramref name="candidate"/>, checks its version and gets the table for <paramref name="apiVersion"/>.</summary>
    /// <exception cref="OrtLibraryException">Every failure, with the path, where it came from and what to do.</exception>
    public static OrtLibrary Open(OrtLibraryCandidate candidate, uint apiVersion)
    {
        var path = System.IO.Path.GetFullPath(candidate.Path);
        var origin = $"'{path}' (from the {candidate.Source})";
        if (!File.Exists(path))
        {
            throw new OrtLibraryException($"The ONNX Runtime library {origin} does not exist. {OnnxConstants.LibraryHint}");
        }

        nint handle;
        try
        {
            handle = NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new OrtLibraryException($"The ONNX Runtime library {origin} could not be loaded: {e.Message} {OnnxConstants.LibraryHint}", e);
        }

        try
        {
            if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out var getApiBase))
            {
                throw new OrtLibraryException($"{origin} is not ONNX Runtime: it does not export OrtGetApiBase. {OnnxConstants.LibraryHint}");
            }

            var apiBase = ((delegate* unmanaged<OrtApiBase*>)getApiBase)();
            var version = Marshal.PtrToStringUTF8((nint)apiBase->GetVersionString()) ?? string.Empty;
            CheckVersion(version, origin);
            var api = apiBase->GetApi(apiVersion);
            if (api is null)
            {
                throw new OrtLibraryException($"The ONNX Runtime library {origin}, version {version}, does not serve C API version {apiVersion}.");
            }

            // The handle is deliberately never freed: ORT cannot be unloaded safely while any of its objects or
            // threads may exist, and NativeLibrary.Load of the same path again returns the same mapping.
            return new OrtLibrary(path, version, api, apiVersion);
        }
        catch
        {
            NativeLibrary.Free(handle);
            throw;
        }
    }

    /// <summary>Accepts "major.minor[.patch][suffix]" at or above <see cref="OnnxConstants.MinimumVersion"/>.</summary>
    /// <exception cref="OrtLibraryException">Unparseable or too old.</exception>
    public static Version CheckVersion(string versionString, string origin)
    {
        var parsed = ParseVersion(versionString)
            ?? throw new OrtLibraryException($"The ONNX Runtime library {origin} reports an unreadable version '{versionString}'.");
        if (parsed < OnnxConstants.MinimumVersion)
        {
            throw new OrtLibraryException(
                $"The ONNX Runtime library {origin} is version {versionString}; MimmoServe needs {OnnxConstants.MinimumVersion} or newer " +
                $"(it uses C API version {OnnxConstants.ApiVersion}). {OnnxConstants.LibraryHint}");
        }

        return parsed;
    }

    private static Version? ParseVersion(string value)
    {
        var parts = value.Split('.');
        if (parts.Length < 2)
        {
            return null;
        }

        var numbers = new int[3];
        for (var i = 0; i < Math.Min(parts.Length, 3); i++)
        {
            var digits = new string(parts[i].TakeWhile(char.IsAsciiDigit).ToArray());
            if (digits.Length == 0 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return null;
            }
        }

        return new Version(numbers[0], numbers[1], numbers[2]);
    }
}
