using System.Collections.Concurrent;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Services;

/// <summary>Many concurrent callers, unary and streaming, mixed operating points: every response is its own request's.</summary>
[Collection(MimoServerCollection.Name)]
public sealed class CrossTalkTests
{
    private const int Callers = 64;
    private const int Requests = 2000;
    private static readonly string?[] Modes = ["accuracy", "throughput", "balanced", null];

    private readonly TestServer _server;

    public CrossTalkTests(MimoServerFixture fixture)
    {
        _server = fixture.Server;
    }

    [Fact]
    public async Task PredictAndPredictStream_2000RequestsFrom64Callers_EachAnsweredOnceWithItsOwnPrediction()
    {
        var items = new float[Requests][];
        var random = new Random(2026);
        for (var i = 0; i < Requests; i++)
        {
            items[i] = Infrastructure.Requests.RandomItem(random);
        }

        var answered = new ConcurrentDictionary<string, PredictResponse>();
        var duplicates = new ConcurrentBag<string>();
        var callers = Enumerable.Range(0, Callers).Select(c => Task.Run(() => c % 2 == 0 ? UnaryCallerAsync(c) : StreamCallerAsync(c))).ToArray();
        await Task.WhenAll(callers);

        Assert.Empty(duplicates);
        Assert.Equal(Requests, answered.Count);
        foreach (var (id, response) in answered)
        {
            var i = int.Parse(id.AsSpan(id.IndexOf('-') + 1), System.Globalization.CultureInfo.InvariantCulture);
            Expectations.AssertServed(response, items[i], id, ExpectedK(i));
        }

        // Requests really shared runs (else this would not test cross-talk at all).
        Assert.Contains(answered.Values, r => r.Timing.BatchRequests > 1);

        async Task UnaryCallerAsync(int caller)
        {
            for (var i = caller; i < Requests; i += Callers)
            {
                var (mode, field) = Choice(i);
                Record(await _server.PredictAsync(Infrastructure.Requests.Mimo(items[i], $"r-{i}", field), mode));
            }
        }

        async Task StreamCallerAsync(int caller)
        {
            // The header of a stream is per call: half the streams set one, every request may override it by its field.
            var mode = Modes[caller % Modes.Length];
            using var call = _server.PredictStream(mode);
            var reading = Task.Run(async () =>
            {
                while (await call.ResponseStream.MoveNext())
                {
                    Record(call.ResponseStream.Current);
                }
            });
            for (var i = caller; i < Requests; i += Callers)
            {
                var field = Choice(i).Field;
                await call.RequestStream.WriteAsync(Infrastructure.Requests.Mimo(items[i], $"r-{i}", field == 0 ? FromMode(mode) : field));
            }

            await call.RequestStream.CompleteAsync();
            await reading;
        }

        void Record(PredictResponse response)
        {
            if (!answered.TryAdd(response.Id, response))
            {
                duplicates.Add(response.Id);
            }
        }
    }

    /// <summary>The operating point of request i: a header (unary calls) and a field that wins over it.</summary>
    private static (string? Mode, uint Field) Choice(int i) => (Modes[i % Modes.Length], (uint)(i % 5 == 0 ? 1 + (i / 5 % 3) : 0));

    private static uint FromMode(string? mode) => mode switch
    {
        "accuracy" => 3,
        "throughput" => 1,
        "balanced" => 2,
        _ => 0,
    };

    /// <summary>The k the server must report for request i; stream requests always carry a field when their call has a header.</summary>
    private static uint ExpectedK(int i)
    {
        var (mode, field) = Choice(i);
        if (field > 0)
        {
            return field;
        }

        var caller = i % Callers;
        var effective = caller % 2 == 0 ? mode : Modes[caller % Modes.Length];
        return FromMode(effective) is var k && k > 0 ? k : 3;
    }
}
