using MimmoServe.Grpc.Protocol;

namespace MimmoServe.Grpc.Client;

/// <summary>Per-call settings.</summary>
/// <param name="Headers">Request metadata; null sends none.</param>
/// <param name="Deadline">
/// When the call must be over (UTC). Sent as <c>grpc-timeout</c> and enforced locally too: the call ends
/// with DEADLINE_EXCEEDED at that time whatever the server does. Null means no deadline.
/// </param>
/// <param name="CancellationToken">Cancels the call: the stream is reset and the call ends with CANCELLED.</param>
/// <param name="WriteCompression">
/// Compress every request message with this encoding (sent as <c>grpc-encoding</c>); null sends them uncompressed.
/// </param>
public readonly record struct CallOptions(
    Metadata? Headers = null,
    DateTime? Deadline = null,
    CancellationToken CancellationToken = default,
    ICompressionProvider? WriteCompression = null);
