namespace MimmoServe.Onnx.ModelFiles;

/// <summary>
/// Refuses a model whose tensors keep their data in external files outside the model's folder (ONNX external data:
/// <c>TensorProto.external_data</c>, key <c>location</c>). ONNX Runtime resolves a location against the model's folder
/// and would otherwise read any file the server can: <c>/etc/shadow</c>-like absolute paths, or <c>../</c> out of the
/// model folder into another model's or a secret's. Recent runtimes refuse that themselves (1.30 does); the binding accepts
/// runtimes from 1.17, so the check is ours, done before ORT opens the file.
/// <para>The file is walked, not loaded: only the messages that can hold tensors (graphs, nodes, attributes, sparse
/// tensors, functions, training graphs) are entered; everything else, weights included, is skipped by seeking. A file
/// that is not valid protobuf is left to ONNX Runtime, which reports it. Symbolic links inside the folder are followed as
/// ORT follows them: the folder's owner put them there.</para>
/// </summary>
internal static class ExternalDataCheck
{
    /// <summary>Deeper than protobuf's own recursion limit (100), so that nothing ORT would accept goes unchecked.</summary>
    private const int MaxDepth = 128;

    private enum Kind
    {
        Model,
        Graph,
        Node,
        Attribute,
        Tensor,
        SparseTensor,
        Function,
        TrainingInfo,
    }

    /// <exception cref="OnnxModelException">A tensor's external data is outside the model's folder.</exception>
    public static void Check(string modelPath)
    {
        FileStream file;
        try
        {
            // Only a regular file with content: a named pipe (length 0) can be read once, and that read is ORT's; opening
            // it here would even wait for its writer. An empty regular file is ORT's to refuse.
            if (new FileInfo(modelPath).Length == 0)
            {
                return;
            }

            file = new FileStream(modelPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 * 1024);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // ORT reports a missing or unreadable file with its own error code.
            return;
        }

        using (file)
        {
            if (!file.CanSeek)
            {
                return;
            }

            var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
            try
            {
                Walk(new ProtobufReader(file), file.Length, Kind.Model, 0, modelPath, folder);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                // Not an ONNX file (or one cut short while we read it): ORT refuses it with INVALID_PROTOBUF.
            }
        }
    }

    /// <summary>Why <paramref name="location"/> may not be used from <paramref name="folder"/>, or null when it may.</summary>
    internal static string? Refusal(string location, string folder)
    {
        if (location.Length == 0 || location.Contains('\0', StringComparison.Ordinal))
        {
            return "not a file name";
        }

        if (Path.IsPathRooted(location) || location.StartsWith('\\'))
        {
            return "an absolute path";
        }

        if (location.Split('/', '\\').Contains(".."))
        {
            return "a path with '..'";
        }

        var full = Path.GetFullPath(Path.Combine(folder, location));
        var inside = Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar;
        return full.StartsWith(inside, StringComparison.Ordinal) ? null : "outside the model's folder";
    }

    private static void Walk(ProtobufReader reader, long end, Kind kind, int depth, string modelPath, string folder)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidDataException("nested too deeply");
        }

        string? tensorName = null;
        List<string>? locations = null;
        while (reader.TryReadTag(end, out var field, out var wireType))
        {
            if (wireType != ProtobufReader.LengthDelimited)
            {
                reader.Skip(wireType, end);
                continue;
            }

            if (kind == Kind.Tensor && field == 8)
            {
                tensorName = reader.ReadString(end);
            }
            else if (kind == Kind.Tensor && field == 13)
            {
                if (Location(reader, reader.ReadLength(end)) is { } location)
                {
                    (locations ??= []).Add(location);
                }
            }
            else if (Child(kind, field) is { } child)
            {
                Walk(reader, reader.ReadLength(end), child, depth + 1, modelPath, folder);
            }
            else
            {
                reader.Skip(wireType, end);
            }
        }

        foreach (var location in locations ?? [])
        {
            if (Refusal(location, folder) is { } reason)
            {
                throw new OnnxModelException(modelPath,
                    $"{modelPath}: tensor '{tensorName}' keeps its data in the external file '{location}', {reason}; external data must be a " +
                    "relative path inside the model's folder.");
            }
        }
    }

    /// <summary>The value of a <c>StringStringEntryProto</c> whose key is <c>location</c>, else null.</summary>
    private static string? Location(ProtobufReader reader, long end)
    {
        string? key = null;
        string? value = null;
        while (reader.TryReadTag(end, out var field, out var wireType))
        {
            if (wireType == ProtobufReader.LengthDelimited && field is 1 or 2)
            {
                var text = reader.ReadString(end);
                if (field == 1)
                {
                    key = text;
                }
                else
                {
                    value = text;
                }
            }
            else
            {
                reader.Skip(wireType, end);
            }
        }

        return key == "location" ? value ?? string.Empty : null;
    }

    /// <summary>The messages that can hold tensors, by field number (onnx.proto3, ONNX 1.17).</summary>
    private static Kind? Child(Kind parent, int field) => (parent, field) switch
    {
        (Kind.Model, 7) => Kind.Graph,
        (Kind.Model, 20) => Kind.TrainingInfo,
        (Kind.Model, 25) => Kind.Function,
        (Kind.Graph, 1) => Kind.Node,
        (Kind.Graph, 5) => Kind.Tensor,
        (Kind.Graph, 15) => Kind.SparseTensor,
        (Kind.Node, 5) => Kind.Attribute,
        (Kind.Attribute, 5 or 10) => Kind.Tensor,
        (Kind.Attribute, 6 or 11) => Kind.Graph,
        (Kind.Attribute, 22 or 23) => Kind.SparseTensor,
        (Kind.SparseTensor, 1 or 2) => Kind.Tensor,
        (Kind.Function, 7) => Kind.Node,
        (Kind.Function, 11) => Kind.Attribute,
        (Kind.TrainingInfo, 1 or 2) => Kind.Graph,
        _ => null,
    };
}
