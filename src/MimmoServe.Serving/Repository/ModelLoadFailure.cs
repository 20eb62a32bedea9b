namespace MimmoServe.Serving.Repository;

/// <summary>A model folder that could not be served, and why (the contract key, config key or ORT error).</summary>
public sealed record ModelLoadFailure(string Name, string Path, string Reason);
