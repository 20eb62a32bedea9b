using System.Buffers;
using System.Buffers.Binary;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Errors;

namespace MimmoServe.Serving.Requests;

/// <summary>
/// Checks one request's items against the model before any is queued, and copies each into an array rented from
/// <see cref="ArrayPool{T}.Shared"/> (returned by the batcher once the item is in the run's input buffer): the
/// shape is the model's item shape (one item) or [N, *item] with 1 &lt;= N &lt;= max_items_per_request, exactly one
/// of data, raw_data and raw_uint8 is set (bytes only for a model that declares an input scale), the element count
/// matches, raw_data's length is a multiple of 4, and no float value is NaN, infinite or outside the model's declared
/// input range (the item and the first bad index are named). Bytes become floats through the model's table of the 256
/// byte values (<see cref="InputValues"/>), which lie in its range by construction.
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

    /// <summary>Exactly one of data, raw_data and raw_uint8, holding <paramref name="count"/> items.</summary>
    private static void CheckSource(ModelContract contract, PredictInput input, int count)
    {
        var hasData = input.Data.Count > 0;
        var hasRaw = input.RawData.Length > 0;
        var hasBytes = input.RawUint8.Length > 0;
        var sources = (hasData ? 1 : 0) + (hasRaw ? 1 : 0) + (hasBytes ? 1 : 0);
        if (sources != 1)
        {
            var set = string.Join(" and ", new[] { hasData ? "data" : null, hasRaw ? "raw_data" : null, hasBytes ? "raw_uint8" : null }.OfType<string>());
            throw ServingErrors.InvalidArgument(sources == 0
                ? "None of data, raw_data and raw_uint8 is set; send the item in exactly one of them."
                : $"Both {set} are set; send the item in exactly one of data, raw_data and raw_uint8.");
        }

        if (hasBytes && !contract.Input.AcceptsBytes)
        {
            throw ServingErrors.InvalidArgument(
                "raw_uint8 is for a model that declares what a byte means (mimmo.input_scale, or input_scale in its config.json); this model takes float32 values in data or raw_data.");
        }

        if (hasRaw && input.RawData.Length % sizeof(float) != 0)
        {
            throw ServingErrors.InvalidArgument($"raw_data has {input.RawData.Length} bytes, not a multiple of 4 (little-endian float32).");
        }

        var (source, elements) = hasData ? ("data", input.Data.Count) : hasRaw ? ("raw_data", input.RawData.Length / sizeof(float)) : ("raw_uint8", input.RawUint8.Length);
        var needed = (long)count * contract.ItemLength;
        if (elements != needed)
        {
            throw ServingErrors.InvalidArgument(IsBatched(contract, input.Shape)
                ? $"{source} has {elements} elements; the shape [{string.Join(", ", input.Shape)}] needs {needed} ({count} items of {contract.ItemLength})."
                : $"{source} has {elements} elements; the item shape [{string.Join(", ", contract.ItemShape)}] needs {needed}.");
        }
    }

    /// <summary>
    /// Item <paramref name="index"/> into a rented array, checked finite and in the model's range; <paramref name="named"/>
    /// is the index errors name (null for an unbatched request).
    /// </summary>
    private static float[] Copy(ModelContract contract, PredictInput input, int index, int? named)
    {
        var length = contract.ItemLength;
        var offset = index * length;
        var item = ArrayPool<float>.Shared.Rent(length);
        try
        {
            if (input.RawUint8.Length > 0)
            {
                // Every byte value is finite and in range (ContractReader), so there is nothing to check.
                var bytes = input.RawUint8.Span.Slice(offset, length);
                var values = contract.Input.ByteValues;
                for (var i = 0; i < length; i++)
                {
                    item[i] = values[bytes[i]];
                }

                return item;
            }

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
            if (contract.Input.Range is { } range)
            {
                CheckRange(item.AsSpan(0, length), range, contract.Input.AcceptsBytes, named);
            }

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

    /// <summary>Every value in [min, max]; the first outside is named. One vectorised pass each for min and max in the common case.</summary>
    private static void CheckRange(ReadOnlySpan<float> values, (float Min, float Max) range, bool acceptsBytes, int? item)
    {
        if (System.Numerics.Tensors.TensorPrimitives.Min(values) >= range.Min && System.Numerics.Tensors.TensorPrimitives.Max(values) <= range.Max)
        {
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] < range.Min || values[i] > range.Max)
            {
                var where = item is { } n ? $"item {n}: " : "";
                var bytes = acceptsBytes ? ", or send 8-bit values as raw_uint8" : "";
                throw ServingErrors.InvalidArgument(
                    $"{where}value {InputValues.Text(values[i])} at index {i} is outside the model's input range [{InputValues.Text(range.Min)}, {InputValues.Text(range.Max)}] " +
                    $"(mimmo.input_range); scale the values to it{bytes}.");
            }
        }
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
