namespace MimmoServe.Grpc.Protocol;

/// <summary>The type-free part of a method descriptor, for routing, logs and reflection.</summary>
public interface IMethod
{
    MethodType Type { get; }

    /// <summary>The fully qualified service name, e.g. <c>grpc.health.v1.Health</c>.</summary>
    string ServiceName { get; }

    /// <summary>The method's simple name, e.g. <c>Check</c>.</summary>
    string Name { get; }

    /// <summary>The HTTP/2 <c>:path</c>: <c>/ServiceName/Name</c>.</summary>
    string FullName { get; }
}
