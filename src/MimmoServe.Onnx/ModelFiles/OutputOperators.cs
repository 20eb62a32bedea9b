namespace MimmoServe.Onnx.ModelFiles;

/// <summary>
/// Which operator computes a graph output, read from the ONNX file: the node that produces it, looking back through
/// operators that only move or reshape values (<see cref="ValueMoving"/>), and through a Concat whose inputs all come
/// from the same operator. The serving contract asks it whether a classifier's output is already a softmax. Only
/// the main graph's nodes are read (<c>ModelProto.graph</c> field 7; <c>GraphProto.node</c> 1 with
/// <c>NodeProto.input</c> 1, <c>output</c> 2, <c>op_type</c> 4); initializers and everything else are skipped by seeking.
/// </summary>
internal static class OutputOperators
{
    /// <summary>Operators whose output holds their first input's values, rearranged: a softmax stays a softmax through them.</summary>
    public static readonly IReadOnlySet<string> ValueMoving = new HashSet<string>(StringComparer.Ordinal)
    {
        "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Cast",
    };

    private const int ModelGraph = 7;
    private const int GraphNode = 1;
    private const int NodeInput = 1;
    private const int NodeOutput = 2;
    private const int NodeOpType = 4;

    /// <summary>Longest chain followed back from an output.</summary>
    private const int MaxSteps = 64;

    /// <summary>
    /// The operator computing <paramref name="output"/> (e.g. <c>Softmax</c>), or null when the file cannot be read as
    /// ONNX, has no such output, or the output is a graph input or initializer, or comes from a Concat of mixed origins.
    /// </summary>
    public static string? Find(string modelPath, string output)
    {
        List<Node> nodes;
        try
        {
            // A regular file with content only: a named pipe (length 0) is read once, by ONNX Runtime, and opening it
            // here would wait for a writer that never comes.
            if (new FileInfo(modelPath).Length == 0)
            {
                return null;
            }

            using var file = new FileStream(modelPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 * 1024);
            if (!file.CanSeek)
            {
                return null;
            }

            nodes = ReadNodes(new ProtobufReader(file), file.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or EndOfStreamException)
        {
            return null;
        }

        var producers = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (var name in node.Outputs)
            {
                producers[name] = node;
            }
        }

        return Follow(producers, output, 0);
    }

    private static string? Follow(Dictionary<string, Node> producers, string value, int steps)
    {
        while (steps++ < MaxSteps && producers.TryGetValue(value, out var node))
        {
            if (ValueMoving.Contains(node.OpType) && node.Inputs.Count > 0)
            {
                value = node.Inputs[0];
                continue;
            }

            if (node.OpType == "Concat" && node.Inputs.Count > 0)
            {
                var origins = node.Inputs.Select(i => Follow(producers, i, steps)).Distinct(StringComparer.Ordinal).ToList();
                return origins.Count == 1 ? origins[0] : null;
            }

            return node.OpType;
        }

        return null;
    }

    private static List<Node> ReadNodes(ProtobufReader reader, long end)
    {
        var nodes = new List<Node>();
        while (reader.TryReadTag(end, out var field, out var wireType))
        {
            if (field != ModelGraph || wireType != ProtobufReader.LengthDelimited)
            {
                reader.Skip(wireType, end);
                continue;
            }

            var graphEnd = reader.ReadLength(end);
            while (reader.TryReadTag(graphEnd, out var graphField, out var graphWire))
            {
                if (graphField == GraphNode && graphWire == ProtobufReader.LengthDelimited)
                {
                    nodes.Add(ReadNode(reader, reader.ReadLength(graphEnd)));
                }
                else
                {
                    reader.Skip(graphWire, graphEnd);
                }
            }
        }

        return nodes;
    }

    private static Node ReadNode(ProtobufReader reader, long end)
    {
        var node = new Node();
        while (reader.TryReadTag(end, out var field, out var wireType))
        {
            if (wireType != ProtobufReader.LengthDelimited)
            {
                reader.Skip(wireType, end);
            }
            else if (field == NodeInput)
            {
                node.Inputs.Add(reader.ReadString(end));
            }
            else if (field == NodeOutput)
            {
                node.Outputs.Add(reader.ReadString(end));
            }
            else if (field == NodeOpType)
            {
                node.OpType = reader.ReadString(end);
            }
            else
            {
                reader.Skip(wireType, end);
            }
        }

        return node;
    }

    private sealed class Node
    {
        public List<string> Inputs { get; } = [];

        public List<string> Outputs { get; } = [];

        public string OpType { get; set; } = string.Empty;
    }
}
