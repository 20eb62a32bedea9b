using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Server;
using MimmoServe.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Configuration;
using MimmoServe.Server.Hosting;
using MimmoServe.Server.Security;
using MimmoServe.Server.Telemetry;
using MimmoServe.Serving.Mapping;

namespace MimmoServe.Server.Services;

/// <summary>
/// mimmo.v1.Inference. Each handler is a few lines over the serving core: map the message
/// (<see cref="ProtocolMapping"/>), call the repository with the call's deadline and cancellation, map the answer;
/// every failure goes through <see cref="StatusMap"/>. With bearer tokens on, each call's token is checked from its
/// headers before its body is read (<see cref="InferenceCallGate"/>); the handler checks the model the request names
/// against the token's models.
/// </summary>
internal sealed class InferenceService : IGrpcService
{
    private readonly ModelHost _host;
    private readonly MimmoServerOptions _options;
    private readonly CallAccess _access;
    private readonly ILogger _logger;
    private readonly RequestTelemetry _telemetry;

    public InferenceService(ModelHost host, IOptions<MimmoServerOptions> options, CallAccess access, ILogger<InferenceService> logger, RequestTelemetry telemetry)
    {
        _host = host;
        _access = access;
        _telemetry = telemetry;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>The span names, as OpenTelemetry's RPC conventions spell them (service/method).</summary>
    internal const string PredictSpan = "mimmo.v1.Inference/Predict";
    internal const string PredictStreamSpan = "mimmo.v1.Inference/PredictStream";

    public ServiceDefinition BindService() =>
        ServiceDefinition.CreateBuilder(InferenceReflection.Descriptor.Services[0])
            .AddUnary(InferenceMethods.Predict, PredictAsync)
            .AddDuplexStreaming(InferenceMethods.PredictStream, PredictStreamAsync)
            .AddUnary(InferenceMethods.GetModel, GetModelAsync)
            .AddUnary(InferenceMethods.ListModels, ListModelsAsync)
            .Build();

    /// <summary>The call's deadline as the repository takes it; null without one.</summary>
    internal static DateTimeOffset? Deadline(ServerCallContext context) =>
        context.Deadline == DateTime.MaxValue ? null : new DateTimeOffset(DateTime.SpecifyKind(context.Deadline, DateTimeKind.Utc));

    private async Task<PredictResponse> PredictAsync(PredictRequest request, ServerCallContext context)
    {
        var mode = context.RequestHeaders.GetValue(ModeHeader.Name);
        var exit = context.RequestHeaders.GetValue(ExitHeader.Name);
        var call = _telemetry.Start(PredictSpan, context.RequestHeaders, ModeLabel.Of(request.EnsembleSize, mode));
        try
        {
            Authorize(context, request.Model);
            var model = _host.Repository.Get(request.Model);
            call.Model = model.Name;
            var input = ProtocolMapping.ToInput(request, mode, exit);
            if (model.IsBatched(input))
            {
                var predictions = await model.PredictBatchAsync(input, Deadline(context), context.CancellationToken).ConfigureAwait(false);
                call.Succeeded(predictions);
                return ProtocolMapping.ToResponse(request.Id, model.Name, predictions);
            }

            var prediction = await model.PredictAsync(input, Deadline(context), context.CancellationToken).ConfigureAwait(false);
            call.Succeeded(prediction);
            return ProtocolMapping.ToResponse(prediction);
        }
        catch (Exception e) when (e is not RpcException)
        {
            var error = Fail(context, e);
            call.Failed(error.Status, e, context, _host.ServedName, request.Model);
            throw error;
        }
    }

    private Task PredictStreamAsync(IAsyncStreamReader<PredictRequest> requests, IServerStreamWriter<PredictResponse> responses, ServerCallContext context)
    {
        TokenGrant grant;
        try
        {
            grant = _access.GrantOf(context);
        }
        catch (AccessDeniedException e)
        {
            throw Fail(context, e);
        }

        // Each request names its own model: the session checks it against the grant as it reads it.
        Action<string> authorize = model => _access.Authorize(context, grant, model, _host);
        return new PredictStreamSession(_host, _options.MaxStreamInFlight, context, _logger, authorize) { Telemetry = _telemetry }.RunAsync(requests, responses);
    }

    private Task<ModelInfo> GetModelAsync(GetModelRequest request, ServerCallContext context)
    {
        try
        {
            Authorize(context, request.Model);
            return Task.FromResult(ProtocolMapping.ToModelInfo(_host.Repository.Get(request.Model)));
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Fail(context, e);
        }
    }

    private Task<ListModelsResponse> ListModelsAsync(ListModelsRequest request, ServerCallContext context)
    {
        try
        {
            // A token limited to some models sees only those.
            var grant = _access.GrantOf(context);
            var response = new ListModelsResponse();
            response.Models.AddRange(_host.Repository.Models.Where(m => grant.Allows(m.Name)).Select(ProtocolMapping.ToModelInfo));
            return Task.FromResult(response);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Fail(context, e);
        }
    }

    /// <summary>The call's token must be known and may use <paramref name="model"/> (UNAUTHENTICATED, PERMISSION_DENIED).</summary>
    private void Authorize(ServerCallContext context, string model) =>
        _access.Authorize(context, _access.GrantOf(context), model, _host);

    private RpcException Fail(ServerCallContext context, Exception e) => StatusMap.Failure(context, e, _logger);
}
