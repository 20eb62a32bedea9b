namespace MimmoServe.Grpc.Protocol;

/// <summary>
/// The limits a reader applies to each received message: its size after decompression, how much a compressed message
/// may expand, and, on a server, the shared budget of request bytes and the bound on the parsed message.
/// </summary>
/// <param name="MaxMessageSize">Largest message, after decompression; checked on the 5-byte header before buffering.</param>
/// <param name="MaxExpansionRatio">Largest decompressed / compressed size of one message; 0 for no ratio (the size limit only).</param>
/// <param name="Budget">The server's budget of request bytes in memory, or null (a client).</param>
/// <param name="BoundParsing">Server: scan packed varints before parsing (a 1-byte varint becomes 8 parsed bytes) and drop unknown fields.</param>
internal readonly record struct ReceiveLimits(int MaxMessageSize, int MaxExpansionRatio = 0, ReceiveBudget? Budget = null, bool BoundParsing = false)
{
    /// <summary>The room a message of <paramref name="compressedLength"/> bytes may take once decompressed.</summary>
    public long DecompressedAllowance(uint compressedLength) =>
        MaxExpansionRatio > 0 ? Math.Min(MaxMessageSize, (long)MaxExpansionRatio * compressedLength) : MaxMessageSize;

    /// <summary>What a message reserves from the budget when its header arrives: its bytes, and room to decompress it.</summary>
    public long Reservation(in GrpcFrameHeader header) =>
        header.Length + (header.IsCompressed ? DecompressedAllowance(header.Length) : 0);
}
