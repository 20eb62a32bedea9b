namespace MimmoServe.Cli.Input;

/// <summary>
/// An array read from a <c>.npy</c> file: its values as floats (uint8 scaled by 1/255, as pixels), its shape, and for a
/// uint8 file its bytes as they are, which go as raw_uint8 to a model that says what a byte means.
/// </summary>
internal sealed record NpyArray(float[] Data, long[] Shape, byte[]? Pixels)
{
    public void Deconstruct(out float[] data, out long[] shape)
    {
        data = Data;
        shape = Shape;
    }
}
