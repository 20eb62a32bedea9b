using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Load;

/// <summary>The model folder of the load tests: "slow" (mimo_slow.onnx), one k=3 request per run, a short queue.</summary>
internal static class LoadModels
{
    /// <summary>The item's first value: the loop count of each run, a few milliseconds of compute.</summary>
    public const float LoopCount = 1500;

    /// <summary>Inputs that may wait; with one request per run of a few ms, a full queue is a few hundred ms of work.</summary>
    public const int QueueSize = 64;

    public static TestModels Create() =>
        new TestModels().Add("slow", TestModels.Fixture("mimo_slow.onnx"), new { max_rows_per_run = 1, queue_size = QueueSize, intra_op_threads = 1 });
}
