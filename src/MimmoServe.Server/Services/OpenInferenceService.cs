using System.Reflection;
using Microsoft.Extensions.Logging;
using MimmoServe.Grpc.Health;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Server;
using MimmoServe.Protocol;
using MimmoServe.Protocol.Inference;
using MimmoServe.Server.Hosting;
using MimmoServe.Server.Security;
using MimmoServe.Server.Telemetry;
using MimmoServe.Serving.Mapping;

namespace MimmoServe.Server.Services;

/// <summary>
/// inference.GRPCInferenceService, the Open Inference Protocol (KServe v2) beside mimmo.v1 on the same port: liveness,
/// readiness (the server's and each model's, as health says them), metadata, and ModelInfer over the same batched path
/// as a mimmo.v1 Predict of N items (<see cref="OpenInferenceMapping"/>). What mimmo.v1's handlers do around a call is
/// done here the same way: the token checked before the body is read (<see cref="InferenceCallGate"/>) and the model
/// against the token, the call's deadline and cancellation passed to the repository, the request counted and traced
/// (<see cref="RequestTelemetry"/>), every failure through <see cref="StatusMap"/>.
/// </summary>
internal sealed class OpenInferenceService : IGrpcService
{
    /// <summary>ServerMetadata's name.</summary>
    internal const string ServerName = "mimmoserve";

    internal const string InferSpan = "inference.GRPCInferenceService/ModelInfer";

    private static readonly string ServerVersion =
        typeof(OpenInferenceService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    private readonly ModelHost _host;
    private readonly HealthStatusRegistry _health;
    private readonly CallAccess _access;
    private readonly ILogger _logger;
    private readonly RequestTelemetry _telemetry;

    public OpenInferenceService(ModelHost host, HealthStatusRegistry health, CallAccess access, ILogger<OpenInferenceService> logger, RequestTelemetry telemetry)
    {
        _host = host;
        _health = health;
        _access = access;
        _logger = logger;
        _telemetry = telemetry;
    }

    public ServiceDefinition BindService() =>
        ServiceDefinition.CreateBuilder(GrpcPredictV2Reflection.Descriptor.Services[0])
            .AddUnary(OpenInferenceMethods.ServerLive, ServerLiveAsync)
            .AddUnary(OpenInferenceMethods.ServerReady, ServerReadyAsync)
            .AddUnary(OpenInferenceMethods.ModelReady, ModelReadyAsync)
            .AddUnary(OpenInferenceMethods.ServerMetadata, ServerMetadataAsync)
            .AddUnary(OpenInferenceMethods.ModelMetadata, ModelMetadataAsync)
            .AddUnary(OpenInferenceMethods.ModelInfer, ModelInferAsync)
            .Build();

    private static Task<ServerLiveResponse> ServerLiveAsync(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    private Task<ServerReadyResponse> ServerReadyAsync(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = IsServing(HealthStatusRegistry.OverallService) });

    private Task<ModelReadyResponse> ModelReadyAsync(ModelReadyRequest request, ServerCallContext context)
    {
        try
        {
            Authorize(context, request.Name);
            // While the models load nothing is known about them: not ready (rather than NOT_FOUND for every name).
            if (_host.LoadedRepository is not { } repository)
            {
                return Task.FromResult(new ModelReadyResponse { Ready = false });
            }

            var model = repository.Get(request.Name);
            OpenInferenceMapping.CheckVersion(model.Name, request.Version);
            return Task.FromResult(new ModelReadyResponse { Ready = IsServing(InferenceMethods.HealthName(model.Name)) });
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Fail(context, e);
        }
    }

    private static Task<ServerMetadataResponse> ServerMetadataAsync(ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerMetadataResponse { Name = ServerName, Version = ServerVersion });

    private Task<ModelMetadataResponse> ModelMetadataAsync(ModelMetadataRequest request, ServerCallContext context)
    {
        try
        {
            Authorize(context, request.Name);
            var model = _host.Repository.Get(request.Name);
            OpenInferenceMapping.CheckVersion(model.Name, request.Version);
            return Task.FromResult(OpenInferenceMapping.ToMetadata(model));
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Fail(context, e);
        }
    }

    private async Task<ModelInferResponse> ModelInferAsync(ModelInferRequest request, ServerCallContext context)
    {
        var mode = context.RequestHeaders.GetValue(ModeHeader.Name);
        var exit = context.RequestHeaders.GetValue(ExitHeader.Name);
        var call = _telemetry.Start(InferSpan, context.RequestHeaders, ModeLabel.Of(0, mode));
        try
        {
            Authorize(context, request.ModelName);
            var model = _host.Repository.Get(request.ModelName);
            call.Model = model.Name;
            OpenInferenceMapping.CheckVersion(model.Name, request.ModelVersion);
            var input = OpenInferenceMapping.ToInput(request, model, mode, exit);
            var predictions = await model.PredictBatchAsync(input, InferenceService.Deadline(context), context.CancellationToken).ConfigureAwait(false);
            call.Succeeded(predictions);
            return OpenInferenceMapping.ToResponse(request, model, predictions);
        }
        catch (Exception e) when (e is not RpcException)
        {
            var error = Fail(context, e);
            call.Failed(error.Status, e, context, _host.ServedName, request.ModelName);
            throw error;
        }
    }

    private bool IsServing(string service) =>
        _health.TryGetStatus(service, out var status) && status == MimmoServe.Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving;

    /// <summary>The call's token must be known and may use <paramref name="model"/> (UNAUTHENTICATED, PERMISSION_DENIED).</summary>
    private void Authorize(ServerCallContext context, string model) =>
        _access.Authorize(context, _access.GrantOf(context), model, _host);

    private RpcException Fail(ServerCallContext context, Exception e) => StatusMap.Failure(context, e, _logger);
}
