namespace MimmoServe.Grpc.Hosting;

/// <summary>
/// What tells a changed file from an unchanged one without reading it: its last write time and its length. The length is
/// there because file times are coarse (a few milliseconds on some Linux file systems): a file caught half written and
/// the same file complete can share a write time, but not a length. A missing file has length -1.
/// </summary>
internal readonly record struct FileStamp(DateTime WriteTimeUtc, long Length)
{
    /// <summary>The stamp of <paramref name="path"/> now; a symbolic link (a Kubernetes secret's <c>..data</c>) is followed.</summary>
    public static FileStamp Of(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? new FileStamp(file.LastWriteTimeUtc, file.Length) : new FileStamp(default, -1);
    }

    /// <summary>The stamps of <paramref name="paths"/>, in order.</summary>
    public static FileStamp[] Of(IReadOnlyList<string> paths)
    {
        var stamps = new FileStamp[paths.Count];
        for (var i = 0; i < stamps.Length; i++)
        {
            stamps[i] = Of(paths[i]);
        }

        return stamps;
    }
}
