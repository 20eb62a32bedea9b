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

    [Fact]
    public void FashionMnist_WholeTestSet_EveryImageWithItsLabelInOrder()
    {
        var images = FashionMnist.Images(FashionMnist.DefaultImages);
        var labels = FashionMnist.Labels(FashionMnist.DefaultImages);

        Assert.NotNull(labels);
        Assert.Equal(images.Length, labels.Length);
        foreach (var n in new[] { 0, 1, 4321, images.Length - 1 })
        {
            Assert.Equal(FashionMnist.Image(FashionMnist.DefaultImages, n), images[n]);
            Assert.Equal(FashionMnist.Label(FashionMnist.DefaultImages, n), labels[n]);
        }
    }

    [Fact]
    public void ItemSet_RawFloatsWithManifestBeside_ItemsAndTheManifestLabels()
    {
        using var folder = new TempFolder();
        var path = folder.WriteFloats("items.f32", [.. Enumerable.Range(0, 12).Select(i => (float)i)]);
        File.WriteAllText(Path.Combine(folder.Path, ItemSet.ManifestFile), """{"images": "items.f32", "labels": [3, 1, 2]}""");

        var set = ItemSet.Load(path, [2, 2]);

        Assert.Equal(3, set.Items.Length);
        Assert.Equal([4f, 5f, 6f, 7f], set.Items[1]);
        Assert.Equal([3, 1, 2], Assert.IsType<int[]>(set.Labels));
    }

    [Fact]
    public void ItemSet_ManifestOfAnotherFile_NoLabels()
    {
        using var folder = new TempFolder();
        var path = folder.WriteFloats("items.f32", new float[8]);
        File.WriteAllText(Path.Combine(folder.Path, ItemSet.ManifestFile), """{"images": "images.f32", "labels": [3, 1]}""");

        Assert.Null(ItemSet.Load(path, [4]).Labels);
    }

    [Theory]
    [InlineData(10, "[1, 4]", "[3, 1]", "not a whole number of items")]
    [InlineData(12, "[4]", "[3, 1]", "3 items but its labels are 2")]
    public void ItemSet_ItemsThatDoNotFit_InvalidDataNamingWhy(int values, string shape, string labels, string reason)
    {
        using var folder = new TempFolder();
        var path = folder.WriteFloats("items.f32", new float[values]);
        File.WriteAllText(Path.Combine(folder.Path, ItemSet.ManifestFile), $$"""{"images": "items.f32", "labels": {{labels}}}""");
        long[] itemShape = [.. System.Text.Json.JsonSerializer.Deserialize<long[]>(shape)!];

        Assert.Contains(reason, Assert.Throws<InvalidDataException>(() => ItemSet.Load(path, itemShape)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelClasses_FashionNamesSortedAsFolderNames_MapsEachLabelByName()
    {
        // A model trained on class folders: its classes are the folder names, sorted ("/" cannot be in a folder name).
        string[] sorted = ["Ankle-boot", "Bag", "Coat", "Dress", "Pullover", "Sandal", "Shirt", "Sneaker", "T-shirt-top", "Trouser"];

        var classes = FashionMnist.ModelClasses(sorted);

        for (var label = 0; label < FashionMnist.ClassNames.Count; label++)
        {
            var name = sorted[FashionMnist.ModelClass(label, classes)];
            Assert.Equal(Letters(FashionMnist.ClassNames[label]), Letters(name));
        }

        static string Letters(string s) => string.Concat(s.Where(char.IsLetter)).ToLowerInvariant();
    }

    [Theory]
    [InlineData("T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot")]
    [InlineData("0,1,2,3,4,5,6,7,8,9")]
    [InlineData("Bag,Trouser,Pullover")]
    public void ModelClasses_FashionOrderOrOtherLabels_TheLabelItself(string labels)
    {
        var classes = FashionMnist.ModelClasses(labels.Split(','));

        Assert.Equal(Enumerable.Range(0, 10), classes);
    }
}
