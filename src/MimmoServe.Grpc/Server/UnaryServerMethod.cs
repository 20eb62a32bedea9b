namespace MimmoServe.Grpc.Server;

/// <summary>The application's code for a unary method.</summary>
public delegate Task<TResponse> UnaryServerMethod<TRequest, TResponse>(TRequest request, ServerCallContext context);
