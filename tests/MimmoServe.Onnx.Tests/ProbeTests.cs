namespace MimmoServe.Onnx.Tests;

public class ProbeTests
{
    [Fact]
    public void Library_IsCopiedNextToTests() => Assert.True(OrtProbe.Exists(AppContext.BaseDirectory));
}
