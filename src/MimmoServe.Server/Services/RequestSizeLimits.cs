using MimmoServe.Serving.Repository;

namespace MimmoServe.Server.Services;

/// <summary>
/// The largest request message of each method, for the gRPC layer's check on the 5-byte frame header (RESOURCE_EXHAUSTED
/// before anything is buffered). Predict and PredictStream carry tensors, so theirs follows the served models' item sizes;
/// every other method carries names and small options. Grpc:MaxReceiveMessageSize stays the upper bound of all.
/// </summary>
internal static class RequestSizeLimits
{
    /// <summary>GetModel, ListModels, health and reflection: a model, service or symbol name. 16 KiB.</summary>
    public const int SmallRequest = 16 * 1024;

    /// <summary>
    /// Wire bytes per item element: a float is 4 bytes in packed <c>data</c> or in <c>raw_data</c>, and 5 when a client
    /// sends <c>data</c> unpacked (a tag before each, which proto3 parsers must accept).
    /// </summary>
    public const int WireBytesPerElement = 5;

    /// <summary>Room for a PredictRequest's other fields and their tags: model name, id, shape, options. 64 KiB, generous.</summary>
    public const int ProtobufRoom = 64 * 1024;

    /// <summary>The bytes one item of the largest served item shape may take in a PredictRequest.</summary>
    public static long MaxBytesPerItem(IEnumerable<ServedModel> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var largest = models.Select(m => (long)m.Contract.ItemLength).DefaultIfEmpty(0).Max();
        return largest * WireBytesPerElement + ProtobufRoom;
    }

    /// <summary>
    /// The largest PredictRequest (Predict, and each message of PredictStream): <see cref="MaxBytesPerItem"/> times the
    /// items one request may carry. That is 1 today; batched Predict (<c>max_items_per_request</c>) passes its own.
    /// </summary>
    public static int MaxPredictRequestSize(IEnumerable<ServedModel> models, int maxItemsPerRequest = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxItemsPerRequest);
        return (int)Math.Min(int.MaxValue, MaxBytesPerItem(models) * maxItemsPerRequest);
    }
}
