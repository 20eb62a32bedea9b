using MimmoServe.Protocol.V1;

namespace MimmoServe.Server.Tests.Infrastructure;

/// <summary>Request builders.</summary>
internal static class Requests
{
    /// <summary>A request for the mimo fixture (item [4]) with values that identify it.</summary>
    public static PredictRequest Mimo(float[] x, string id = "", uint ensembleSize = 0, string model = "mimo", bool members = true)
    {
        var request = new PredictRequest { Model = model, Id = id, EnsembleSize = ensembleSize, ReturnMembers = members };
        request.Shape.Add(4);
        request.Data.AddRange(x);
        return request;
    }

    /// <summary>A batched request for the mimo fixture: shape [N, 4], the items one after the other.</summary>
    public static PredictRequest MimoBatch(float[][] items, string id = "", uint ensembleSize = 0, string model = "mimo", bool members = true)
    {
        var request = new PredictRequest { Model = model, Id = id, EnsembleSize = ensembleSize, ReturnMembers = members };
        request.Shape.Add([items.Length, 4]);
        foreach (var item in items)
        {
            request.Data.AddRange(item);
        }

        return request;
    }

    /// <summary>Four distinct values in [-3, 3) from <paramref name="random"/>.</summary>
    public static float[] RandomItem(Random random) => [.. Enumerable.Range(0, 4).Select(_ => (float)((random.NextDouble() * 6) - 3))];
}
