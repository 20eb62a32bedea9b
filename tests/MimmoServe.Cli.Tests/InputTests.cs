using MimmoServe.Cli.Input;

namespace MimmoServe.Cli.Tests;

/// <summary>.npy files written by NumPy itself (fixtures/make_npy.py), raw float32, and Debian's Fashion-MNIST.</summary>
public sealed class InputTests
{
    [Fact]
    public void Read_Float32Npy_ValuesAndShape()
    {
        var (data, shape) = NpyReader.Read(CliRun.Fixture("item_f4.npy"));

        Assert.Equal([0.5f, -1.25f, 2.0f, 3.5f], data);
        Assert.Equal([4L], shape);
    }

    [Fact]
    public void Read_Float64Npy_ConvertedWithItsShape()
    {
        var (data, shape) = NpyReader.Read(CliRun.Fixture("item_f8.npy"));

        Assert.Equal([0.5f, -1.25f, 2.0f, 3.5f], data);
        Assert.Equal([2L, 2L], shape);
    }

    [Fact]
    public void Read_Uint8Npy_ScaledToUnitRange()
    {
        var (data, _) = NpyReader.Read(CliRun.Fixture("item_u1.npy"));

        Assert.Equal([0f, 0.2f, 1f, 0.4f], data);
    }

    [Theory]
    [InlineData("item_fortran.npy", "Fortran")]
    [InlineData("item_i8.npy", "<i8")]
    [InlineData("item.f32", "magic")]
    public void Read_UnsupportedFile_InvalidDataNamingWhy(string file, string reason) =>
        Assert.Contains(reason, Assert.Throws<InvalidDataException>(() => NpyReader.Read(CliRun.Fixture(file))).Message, StringComparison.Ordinal);

    [Fact]
    public void Parse_TruncatedData_InvalidData()
    {
        var bytes = File.ReadAllBytes(CliRun.Fixture("item_f4.npy"));

        Assert.Contains("bytes", Assert.Throws<InvalidDataException>(() => NpyReader.Parse(bytes.AsSpan(0, bytes.Length - 4))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RawFloat_File_LittleEndianValues() => Assert.Equal([1f, 2f, 3f, 4f], RawFloatReader.Read(CliRun.Fixture("item.f32")));

    [Fact]
    public void FashionMnist_TestImageZero_AnAnkleBootInUnitRange()
    {
        // Debian's fashion-mnist package; test image 0 of Fashion-MNIST is class 9 (ankle boot).
        var image = FashionMnist.Image(FashionMnist.DefaultImages, 0);

        Assert.Equal(784, image.Length);
        Assert.All(image, p => Assert.InRange(p, 0f, 1f));
        Assert.Contains(image, p => p > 0.5f);
        Assert.Equal(9, FashionMnist.Label(FashionMnist.DefaultImages, 0));
        Assert.Contains("holds 10000", Assert.Throws<InvalidDataException>(() => FashionMnist.Image(FashionMnist.DefaultImages, 10000)).Message, StringComparison.Ordinal);
    }
}
