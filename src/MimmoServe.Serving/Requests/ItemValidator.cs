using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Errors;

namespace MimmoServe.Serving.Requests;

/// <summary>
/// Checks one request's items against the model before any is queued, where they are (nothing is copied: each item
/// becomes an <see cref="ItemSource"/> that the batcher writes straight into its slot): the shape is the model's item
/// shape (one item) or [N, *item] with 1 &lt;= N &lt;= max_items_per_request, exactly one of data, raw_data and
/// raw_uint8 is set (bytes only for a model that declares an input scale), the element count matches, raw_data's
/// length is a multiple of 4, and no float value is NaN, infinite or outside the model's declared input range (the
/// item and the first bad index are named). Bytes become floats through the model's table of the 256 byte values
/// (<see cref="InputValues"/>), which lie in its range by construction.
/// </summary>
internal static class ItemValidator
{
    /// <summary>Whether <paramref name="shape"/> has a leading batch dimension: one dimension more than the item shape.</summary>
    public static bool IsBatched(ModelContract contract, IReadOnlyList<long> shape) => shape.Count == contract.ItemShape.Count + 1;

    /// <summary>One item: the shape must equal the model's item shape.</summary>
    /// <exception cref="ServingException">InvalidArgument, saying what to fix.</exception>
    public static ItemSource Validate(ModelContract contract, PredictInput input)
    {
        if (!SameItemShape(contract, input.Shape, 0))
        {
            throw BadShape(contract, input.Shape);
        }

        CheckSource(contract, input, 1);
        return Check(contract, input, 0, null);
    }

    /// <summary>
    /// The items of a request in either form, in order: one for the item shape, N for [N, *item]. Every item is
    /// checked before this returns, so one bad item refuses the request before anything is queued.
    /// </summary>
    /// <exception cref="ServingException">InvalidArgument, saying what to fix and, for a value, which item.</exception>
    public static ItemSource[] ValidateItems(ModelContract contract, PredictInput input, int maxItems)
    {
        var count = ItemCount(contract, input.Shape, maxItems);
        CheckSource(contract, input, count);
        var batched = IsBatched(contract, input.Shape);
        var items = new ItemSource[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = Check(contract, input, i, batched ? i : null);
        }

        return items;
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
    /// Item <paramref name="index"/> where the request holds it, checked finite and in the model's range;
    /// <paramref name="named"/> is the index errors name (null for an unbatched request).
    /// </summary>
    private static ItemSource Check(ModelContract contract, PredictInput input, int index, int? named)
    {
        var length = contract.ItemLength;
        var offset = index * length;
        if (input.RawUint8.Length > 0)
        {
            // Every byte value is finite and in range (ContractReader), so there is nothing to check.
            return ItemSource.Bytes(input.RawUint8, contract.Input.ByteValues, offset, length);
        }

        if (input.Data.Count > 0)
        {
            CheckListed(input.Data, offset, length, contract.Input.Range, contract.Input.AcceptsBytes, named);
            return ItemSource.List(input.Data, offset, length);
        }

        var item = ItemSource.RawFloat32(input.RawData, offset, length);
        CheckFinite(item.RawSpan, named);
        if (contract.Input.Range is { } range)
        {
            CheckRange(item.RawSpan, range, contract.Input.AcceptsBytes, named);
        }

        return item;
    }

    /// <summary>
    /// The values of a list (protobuf's repeated field) one by one: every value finite, then every value in the range
    /// if there is one, the same order of checks as for raw values.
    /// </summary>
    private static void CheckListed(IReadOnlyList<float> values, int offset, int length, (float Min, float Max)? range, bool acceptsBytes, int? item)
    {
        for (var i = 0; i < length; i++)
        {
            if (!float.IsFinite(values[offset + i]))
            {
                throw NotFinite(values[offset + i], i, item);
            }
        }

        if (range is not { } r)
        {
            return;
        }

        for (var i = 0; i < length; i++)
        {
            if (values[offset + i] < r.Min || values[offset + i] > r.Max)
            {
                throw OutOfRange(values[offset + i], i, r, acceptsBytes, item);
            }
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
                throw OutOfRange(values[i], i, range, acceptsBytes, item);
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
                throw NotFinite(values[i], i, item);
            }
        }
    }

    private static ServingException NotFinite(float value, int index, int? item) =>
        ServingErrors.InvalidArgument($"{Where(item)}value {value} at index {index} is not finite; NaN and infinities are refused.");

    private static ServingException OutOfRange(float value, int index, (float Min, float Max) range, bool acceptsBytes, int? item)
    {
        var bytes = acceptsBytes ? ", or send 8-bit values as raw_uint8" : "";
        return ServingErrors.InvalidArgument(
            $"{Where(item)}value {InputValues.Text(value)} at index {index} is outside the model's input range [{InputValues.Text(range.Min)}, {InputValues.Text(range.Max)}] " +
            $"(mimmo.input_range); scale the values to it{bytes}.");
    }

    private static string Where(int? item) => item is { } n ? $"item {n}: " : "";
}
