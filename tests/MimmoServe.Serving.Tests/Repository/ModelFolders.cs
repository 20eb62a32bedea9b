using MimmoServe.Serving.Repository;

namespace MimmoServe.Serving.Tests.Repository;

/// <summary>Model folders in a repository directory, made from the fixtures, as a user lays them out.</summary>
internal static class ModelFolders
{
    /// <summary>
    /// Folder <paramref name="name"/> of <paramref name="directory"/> with fixture <paramref name="fixture"/> as its
    /// model.onnx and, when given, <paramref name="config"/> as its config.json; returns the folder.
    /// </summary>
    public static string Add(string directory, string name, string fixture, string? config = null)
    {
        var folder = Directory.CreateDirectory(Path.Combine(directory, name)).FullName;
        File.Copy(Fixtures.Path(fixture), Path.Combine(folder, ModelRepository.ModelFileName));
        if (config is not null)
        {
            File.WriteAllText(Path.Combine(folder, ModelConfig.FileName), config);
        }

        return folder;
    }
}
