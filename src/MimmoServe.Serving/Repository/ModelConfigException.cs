namespace MimmoServe.Serving.Repository;

/// <summary>A <c>config.json</c> that cannot be used; <see cref="Key"/> is the key at fault.</summary>
public sealed class ModelConfigException(string key, string problem)
    : Exception($"{ModelConfig.FileName}: \"{key}\": {problem}.")
{
    public string Key { get; } = key;
}
