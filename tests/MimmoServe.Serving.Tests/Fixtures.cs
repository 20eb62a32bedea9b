using MimmoServe.Onnx;

namespace MimmoServe.Serving.Tests;

/// <summary>Paths of the models in tests/fixtures (see make_fixtures.py) and sessions shared by the tests (ORT sessions are thread-safe).</summary>
internal static class Fixtures
{
    private static readonly Lazy<OnnxSession> s_mimo = new(() => OnnxRuntime.Shared.CreateSession(Path("mimo.onnx"), new OnnxSessionOptions { IntraOpThreads = 1 }));
    private static readonly Lazy<OnnxSession> s_classifier = new(() => OnnxRuntime.Shared.CreateSession(Path("classifier.onnx"), new OnnxSessionOptions { IntraOpThreads = 1 }));

    /// <summary>The MIMO-contract fixture (M=3, E=2, K=4, item [4]); see <see cref="MimoFixture"/>.</summary>
    public static OnnxSession Mimo => s_mimo.Value;

    /// <summary>A plain classifier x[batch,4] → logits[batch,3] = x·W + b, without metadata.</summary>
    public static OnnxSession Classifier => s_classifier.Value;

    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", name);
}
