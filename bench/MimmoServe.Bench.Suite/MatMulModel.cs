using Google.Protobuf;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// The machine's peak as ONNX Runtime reaches it: a one-node ONNX model, <c>C = A x B</c> with A and B square float
/// matrices of side n given as inputs (no weights, so the file is a few hundred bytes), written here rather than
/// committed. The field numbers are onnx.proto's (ModelProto, GraphProto, NodeProto, ValueInfoProto, TypeProto).
/// </summary>
internal static class MatMulModel
{
    /// <summary>Writes the model for side <paramref name="n"/> to <paramref name="path"/>; one run is n^3 multiply-accumulates.</summary>
    public static void Write(string path, int n)
    {
        var node = Message(Text(1, "A"), Text(1, "B"), Text(2, "C"), Text(3, "matmul"), Text(4, "MatMul"));
        var graph = Message(Nested(1, node), Text(2, "peak"), Nested(11, Square("A", n)), Nested(11, Square("B", n)), Nested(12, Square("C", n)));
        var opset = Message(Text(1, string.Empty), Number(2, 13));
        var model = Message(Number(1, 7), Text(2, "mimmo-bench-suite"), Nested(7, graph), Nested(8, opset));
        File.WriteAllBytes(path, model);
    }

    /// <summary>A float tensor [n, n] named <paramref name="name"/> (ValueInfoProto).</summary>
    private static byte[] Square(string name, int n)
    {
        var dim = Message(Number(1, n));
        var shape = Message(Nested(1, dim), Nested(1, dim));
        var tensor = Message(Number(1, 1), Nested(2, shape)); // elem_type 1: FLOAT
        return Message(Text(1, name), Nested(2, Message(Nested(1, tensor))));
    }

    private static byte[] Message(params byte[][] fields) => [.. fields.SelectMany(f => f)];

    private static byte[] Text(int field, string value) => Nested(field, System.Text.Encoding.UTF8.GetBytes(value));

    private static byte[] Number(int field, long value)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt64(value);
        output.Flush();
        return buffer.ToArray();
    }

    private static byte[] Nested(int field, byte[] body)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(body));
        output.Flush();
        return buffer.ToArray();
    }
}
