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

    /// <summary>The bytes the items of one request to <paramref name="model"/> may take: its item length times its <c>max_items_per_request</c>.</summary>
    public static long MaxItemBytes(ServedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return (long)model.Contract.ItemLength * WireBytesPerElement * model.MaxItemsPerRequest;
    }

    /// <summary>
    /// The largest PredictRequest (Predict, and each message of PredictStream): the most item bytes any served model takes
    /// in one request (<see cref="MaxItemBytes"/>: a batched request carries up to <c>max_items_per_request</c> items) plus
    /// <see cref="ProtobufRoom"/>. The frame header names no model, so the limit is the served models' largest.
    /// </summary>
    public static int MaxPredictRequestSize(IEnumerable<ServedModel> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        return (int)Math.Min(int.MaxValue, models.Select(MaxItemBytes).DefaultIfEmpty(0).Max() + ProtobufRoom);
    }
}
