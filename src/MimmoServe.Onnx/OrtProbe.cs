namespace MimmoServe.Onnx;

internal static class OrtProbe
{
    public static bool Exists(string dir) => File.Exists(Path.Combine(dir, "libonnxruntime.so.1"));
}
