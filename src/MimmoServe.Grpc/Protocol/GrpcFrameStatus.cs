namespace MimmoServe.Grpc.Protocol;

/// <summary>The fixed statuses of framing errors, built once.</summary>
internal static class GrpcFrameStatus
{
    public static readonly Status InvalidCompressedFlag = new(StatusCode.Internal, "The message's compressed flag is neither 0 nor 1.");

    public static readonly Status IncompleteMessage = new(StatusCode.Internal, "The stream ended inside a message.");

    public static readonly Status MissingMessage = new(StatusCode.Internal, "The stream ended without a message.");

    public static readonly Status ExtraMessage = new(StatusCode.Internal, "A second message arrived where exactly one is expected.");

    public static readonly Status CompressedWithoutEncoding = new(StatusCode.Internal, "A message is flagged as compressed but grpc-encoding names no compression.");

    public static readonly Status InvalidCompressedData = new(StatusCode.Internal, "A compressed message could not be decompressed.");

    public static Status ReceiveTooLarge(long length, int limit) =>
        new(StatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {limit}).");

    public static Status ParsedTooLarge(long parsed, int limit) =>
        new(StatusCode.ResourceExhausted, $"Received message's repeated varint fields would take {parsed} bytes once parsed (max {limit}).");

    public static Status ExpandsTooMuch(uint compressed, int ratio) =>
        new(StatusCode.ResourceExhausted, $"Received compressed message of {compressed} bytes expands more than {ratio} times.");

    public static Status BudgetExhausted(long bytes) =>
        new(StatusCode.ResourceExhausted, $"The server holds too many request bytes to take this message of {bytes} bytes now; retry later.");

    public static Status SendTooLarge(long length, int limit) =>
        new(StatusCode.ResourceExhausted, $"Sending message larger than max ({length} vs. {limit}).");
}
