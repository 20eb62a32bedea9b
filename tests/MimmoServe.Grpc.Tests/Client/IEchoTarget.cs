using MimmoServe.Grpc.Client;

namespace MimmoServe.Grpc.Tests.Client;

/// <summary>A server of the interop service with a channel to it: the Python reference server or ours. The client tests run against both.</summary>
public interface IEchoTarget
{
    Uri Address { get; }

    CallInvoker Invoker { get; }
}
