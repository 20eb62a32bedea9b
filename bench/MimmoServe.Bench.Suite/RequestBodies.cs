using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using MimmoServe.Cli.Input;
using MimmoServe.Protocol.V1;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// Pre-encoded Predict calls for the native load generator: each body file is one gRPC message frame (flag 0, the
/// length big-endian, a <c>mimmo.v1.PredictRequest</c>) carrying <c>items</c> real test images as raw float32
/// (<c>shape</c> [items, *item], or the item's shape for one item), with k slots each. Several bodies, each with other
/// images, so that the server does not see one input over and over (h2load sends one body file per process).
/// </summary>
internal sealed class RequestBodies : IDisposable
{
    private readonly float[][] _images;

    public RequestBodies(SuitePaths paths)
    {
        Folder = Directory.CreateTempSubdirectory("mimmo-suite-bodies-").FullName;
        var (path, _) = EarlyExit.TestImages(paths);
        _images = path.EndsWith(".gz", StringComparison.Ordinal) ? FashionMnist.Images(path) : ReadRaw(path, 28 * 28);
    }

    public string Folder { get; }

    /// <summary>Writes <paramref name="count"/> bodies for <paramref name="model"/> and returns their paths.</summary>
    public IReadOnlyList<string> Write(BundledModel model, int k, int items, int count)
    {
        var itemLength = model.Contract.ItemLength;
        var bodies = new List<string>();
        for (var b = 0; b < count; b++)
        {
            var raw = new float[items * itemLength];
            for (var i = 0; i < items; i++)
            {
                var image = _images[((b * items) + i) % _images.Length];
                if (image.Length == itemLength)
                {
                    image.CopyTo(raw, i * itemLength);
                }
                else
                {
                    // Not a 28x28 model: random values of the item's size, still a different input per item.
                    var random = new Random((b * items) + i);
                    for (var j = 0; j < itemLength; j++)
                    {
                        raw[(i * itemLength) + j] = random.NextSingle();
                    }
                }
            }

            var request = new PredictRequest { Model = model.Name, EnsembleSize = (uint)k, Id = $"bench-{b}" };
            if (items > 1)
            {
                request.Shape.Add(items);
            }

            request.Shape.AddRange(model.Contract.ItemShape);
            request.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(raw.AsSpan()));
            var message = request.ToByteArray();
            var frame = new byte[5 + message.Length];
            BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), message.Length);
            message.CopyTo(frame, 5);
            var path = Path.Combine(Folder, $"{model.Name}-k{k}-n{items}-{b}.bin");
            File.WriteAllBytes(path, frame);
            bodies.Add(path);
        }

        return bodies;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    /// <summary>The repository's reference images: float32 little-endian, <paramref name="itemLength"/> each.</summary>
    private static float[][] ReadRaw(string path, int itemLength)
    {
        var all = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();
        return [.. Enumerable.Range(0, all.Length / itemLength).Select(i => all.AsSpan(i * itemLength, itemLength).ToArray())];
    }
}
