namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>One row of the server's <c>ServerSetting.All</c>: command-line option, <c>MIMMO_*</c> variable, configuration key.</summary>
internal sealed record ServerSetting(string Option, string EnvironmentVariable, string Key);
