using System.Buffers;
using System.Buffers.Binary;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Errors;

namespace MimmoServe.Serving.Requests;

/// <summary>
/// Checks one request's item against the model before it is queued, and copies it into an array rented from
/// <see cref="ArrayPool{T}.Shared"/> (returned by the batcher once the item is in the run's input buffer): the
/// shape must equal the model's item shape, exactly one of data and raw_data is set, the element count matches,
/// raw_data's length is a multiple of 4, and no value is NaN or infinite (the first bad index is named).
/// </summary>
internal static class ItemValidator
{
    /// <exception cref="ServingException">InvalidArgument, saying what to fix.</exception>
    public static float[] ValidateAndCopy(ModelContract contract, PredictInput input)
    {
        CheckShape(contract, input.Shape);
        var hasData = input.Data.Count > 0;
        var hasRaw = input.RawData.Length > 0;
        if (hasData == hasRaw)
        {
            throw ServingErrors.InvalidArgument(hasData
                ? "Both data and raw_data are set; send the item in exactly one of them."
                : "Neither data nor raw_data is set; send the item in exactly one of them.");
        }

        var length = contract.ItemLength;
        if (hasRaw && input.RawData.Length % sizeof(float) != 0)
        {
            throw ServingErrors.InvalidArgument($"raw_data has {input.RawData.Length} bytes, not a multiple of 4 (little-endian float32).");
        }

        var count = hasData ? input.Data.Count : input.RawData.Length / sizeof(float);
        if (count != length)
        {
            throw ServingErrors.InvalidArgument(
                $"{(hasData ? "data" : "raw_data")} has {count} elements; the item shape [{string.Join(", ", contract.ItemShape)}] needs {length}.");
        }

        var item = ArrayPool<float>.Shared.Rent(length);
        try
        {
            if (hasData)
            {
                for (var i = 0; i < length; i++)
                {
                    item[i] = input.Data[i];
                }
            }
            else
            {
                var raw = input.RawData.Span;
                for (var i = 0; i < length; i++)
                {
                    item[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * sizeof(float)));
                }
            }

            CheckFinite(item.AsSpan(0, length));
            return item;
        }
        catch
        {
            ArrayPool<float>.Shared.Return(item);
            throw;
        }
    }

    private static void CheckShape(ModelContract contract, IReadOnlyList<long> shape)
    {
        var expected = contract.ItemShape;
        var same = shape.Count == expected.Count;
        for (var i = 0; same && i < expected.Count; i++)
        {
            same = shape[i] == expected[i];
        }

        if (!same)
        {
            throw ServingErrors.InvalidArgument($"shape [{string.Join(", ", shape)}] does not match the model's item shape [{string.Join(", ", expected)}].");
        }
    }

    private static void CheckFinite(ReadOnlySpan<float> values)
    {
        // The sum of a span with a NaN or infinity is not finite: one vectorised pass for the common, clean case.
        if (float.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(values) * 0f))
        {
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw ServingErrors.InvalidArgument($"value {values[i]} at index {i} is not finite; NaN and infinities are refused.");
            }
        }
    }
}
