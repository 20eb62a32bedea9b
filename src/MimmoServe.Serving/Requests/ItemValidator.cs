using System.Buffers;
using System.Buffers.Binary;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Errors;

namespace MimmoServe.Serving.Requests;

/// <summary>
/// Checks one request's items against the model before any is queued, and copies each into an array rented from
/// <see cref="ArrayPool{T}.Shared"/> (returned by the batcher once the item is in the run's input buffer): the
/// shape is the model's item shape (one item) or [N, *item] with 1 &lt;= N &lt;= max_items_per_request, exactly one
/// of data and raw_data is set, the element count matches, raw_data's length is a multiple of 4, and no value is NaN
/// or infinite (the item and the first bad index are named).
/// </summary>
internal static class ItemValidator
{
    /// <summary>Whether <paramref name="shape"/> has a leading batch dimension: one dimension more than the item shape.</summary>
    public static bool IsBatched(ModelContract contract, IReadOnlyList<long> shape) => shape.Count == contract.ItemShape.Count + 1;

    /// <summary>One item: the shape must equal the model's item shape.</summary>
    /// <exception cref="ServingException">InvalidArgument, saying what to fix.</exception>
    public static float[] ValidateAndCopy(ModelContract contract, PredictInput input)
    {
        if (!SameItemShape(contract, input.Shape, 0))
        {
            throw BadShape(contract, input.Shape);
        }

        CheckSource(contract, input, 1);
        return Copy(contract, input, 0, null);
    }

    /// <summary>
    /// The items of a request in either form, in order: one for the item shape, N for [N, *item]. Every item is
    /// checked before this returns, so one bad item refuses the request before anything is queued.
    /// </summary>
    /// <exception cref="ServingException">InvalidArgument, saying what to fix and, for a value, which item.</exception>
    public static float[][] ValidateAndCopyItems(ModelContract contract, PredictInput input, int maxItems)
    {
        var count = ItemCount(contract, input.Shape, maxItems);
        CheckSource(contract, input, count);
        var batched = IsBatched(contract, input.Shape);
        var items = new float[count][];
        var copied = 0;
        try
        {
            for (; copied < count; copied++)
            {
                items[copied] = Copy(contract, input, copied, batched ? copied : null);
            }

            return items;
        }
        catch
        {
            for (var i = 0; i < copied; i++)
            {
                ArrayPool<float>.Shared.Return(items[i]);
            }

            throw;
        }
    }

    /// <summary>1 for the item shape, N for [N, *item].</summary>
    /// <exception cref="ServingException">InvalidArgument: another shape, N &lt; 1, or N above <paramref name="maxItems"/>.</exception>
    public static int ItemCount(ModelContract contract, IReadOnlyList<long> shape, int maxItems)
    {
        if (SameItemShape(contract, shape, 0))
        {
            return 1;
        }

        if (!IsBatched(contract, shape) || !SameItemShape(contract, shape, 1))
        {
            throw BadShape(contract, shape);
        }

        var n = shape[0];
        if (n < 1)
        {
            throw ServingErrors.InvalidArgument($"shape [{string.Join(", ", shape)}]: the batch dimension N is {n}; send at least one item.");
        }

        return n <= maxItems
            ? (int)n
            : throw ServingErrors.InvalidArgument(
                $"shape [{string.Join(", ", shape)}] carries {n} items; the model takes at most {maxItems} per request (max_items_per_request). " +
                "Split it into several requests.");
    }

    /// <summary>Exactly one of data and raw_data, holding <paramref name="count"/> items.</summary>
    private static void CheckSource(ModelContract contract, PredictInput input, int count)
    {
        var hasData = input.Data.Count > 0;
        var hasRaw = input.RawData.Length > 0;
        if (hasData == hasRaw)
        {
            throw ServingErrors.InvalidArgument(hasData
                ? "Both data and raw_data are set; send the item in exactly one of them."
                : "Neither data nor raw_data is set; send the item in exactly one of them.");
        }

        if (hasRaw && input.RawData.Length % sizeof(float) != 0)
        {
            throw ServingErrors.InvalidArgument($"raw_data has {input.RawData.Length} bytes, not a multiple of 4 (little-endian float32).");
        }

        var elements = hasData ? input.Data.Count : input.RawData.Length / sizeof(float);
        var needed = (long)count * contract.ItemLength;
        if (elements != needed)
        {
            var source = hasData ? "data" : "raw_data";
            throw ServingErrors.InvalidArgument(IsBatched(contract, input.Shape)
                ? $"{source} has {elements} elements; the shape [{string.Join(", ", input.Shape)}] needs {needed} ({count} items of {contract.ItemLength})."
                : $"{source} has {elements} elements; the item shape [{string.Join(", ", contract.ItemShape)}] needs {needed}.");
        }
    }

    /// <summary>
    /// Item <paramref name="index"/> into a rented array, checked finite; <paramref name="named"/> is the index errors
    /// name (null for an unbatched request).
    /// </summary>
    private static float[] Copy(ModelContract contract, PredictInput input, int index, int? named)
    {
        var length = contract.ItemLength;
        var offset = index * length;
        var item = ArrayPool<float>.Shared.Rent(length);
        try
        {
            if (input.Data.Count > 0)
            {
                for (var i = 0; i < length; i++)
                {
                    item[i] = input.Data[offset + i];
                }
            }
            else
            {
                var raw = input.RawData.Span.Slice(offset * sizeof(float), length * sizeof(float));
                for (var i = 0; i < length; i++)
                {
                    item[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * sizeof(float)));
                }
            }

            CheckFinite(item.AsSpan(0, length), named);
            return item;
        }
        catch
        {
            ArrayPool<float>.Shared.Return(item);
            throw;
        }
    }

    /// <summary>Whether <paramref name="shape"/> from dimension <paramref name="start"/> on is the item shape.</summary>
    private static bool SameItemShape(ModelContract contract, IReadOnlyList<long> shape, int start)
    {
        var expected = contract.ItemShape;
        if (shape.Count - start != expected.Count)
        {
            return false;
        }

        for (var i = 0; i < expected.Count; i++)
        {
            if (shape[start + i] != expected[i])
            {
                return false;
            }
        }

        return true;
    }

    private static ServingException BadShape(ModelContract contract, IReadOnlyList<long> shape)
    {
        var item = string.Join(", ", contract.ItemShape);
        return ServingErrors.InvalidArgument(
            $"shape [{string.Join(", ", shape)}] does not match the model's item shape [{item}] (one item) or [N, {item}] (N items).");
    }

    private static void CheckFinite(ReadOnlySpan<float> values, int? item)
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
                var where = item is { } n ? $"item {n}: " : "";
                throw ServingErrors.InvalidArgument($"{where}value {values[i]} at index {i} is not finite; NaN and infinities are refused.");
            }
        }
    }
}
