using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Tests.Infrastructure;

namespace MimmoServe.Server.Tests.Security;

/// <summary>
/// Bearer tokens from --auth-tokens-file: a known token is served; no token or an unknown one is UNAUTHENTICATED; a
/// token not allowed the model is PERMISSION_DENIED; health needs no token.
/// </summary>
public sealed class TokenAuthTests : IClassFixture<TokenServerFixture>
{
    private readonly TestServer _server;

    public TokenAuthTests(TokenServerFixture fixture)
    {
        _server = fixture.Server;
    }

    public static TheoryData<string, string?, string, string, string> ForeignCases()
    {
        var data = new TheoryData<string, string?, string, string, string>();
        foreach (var client in new[] { SecureClients.Python, SecureClients.Node })
        {
            data.Add(client, TokenServerFixture.AllModels, "predict", "mimo", "OK");
            data.Add(client, TokenServerFixture.MimoOnly, "predict", "mimo", "OK");
            data.Add(client, null, "predict", "mimo", "UNAUTHENTICATED");
            data.Add(client, "not-a-token-of-this-server-123", "predict", "mimo", "UNAUTHENTICATED");
            data.Add(client, TokenServerFixture.PlainOnly, "predict", "mimo", "PERMISSION_DENIED");
            data.Add(client, TokenServerFixture.PlainOnly, "get_model", "mimo", "PERMISSION_DENIED");
            data.Add(client, null, "get_model", "plain", "UNAUTHENTICATED");
            data.Add(client, TokenServerFixture.PlainOnly, "get_model", "plain", "OK");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ForeignCases))]
    public async Task Call_ForeignClientWithToken_GetsTheStatusOfTheTokensRights(string client, string? token, string call, string model, string expected)
    {
        string[] arguments = ["--target", _server.Target, "--call", call, "--model", model, "--data", "1,2,3,4"];
        if (token is not null)
        {
            arguments = [.. arguments, "--token", token];
        }

        var (code, detail) = await SecureClients.CallAsync(client, arguments);

        Assert.True(code == expected, $"{client} {call} {model}: {code} {detail}");
        if (code == "OK")
        {
            Assert.Equal(model, detail);
        }
    }

    [Theory]
    [MemberData(nameof(SecureClients.Both), MemberType = typeof(SecureClients))]
    public async Task HealthCheck_NoToken_IsServing(string client)
    {
        var (code, detail) = await SecureClients.CallAsync(client, "--target", _server.Target, "--call", "health", "--service", "mimmo.v1.Inference/mimo");

        Assert.Equal(("OK", "SERVING"), (code, detail));
    }

    /// <summary>The Open Inference Protocol's calls are checked as mimmo.v1's; its liveness and readiness, as health, are not.</summary>
    [Theory]
    [InlineData(null, "infer", "mimo", StatusCode.Unauthenticated)]
    [InlineData("not-a-token-of-this-server-123", "infer", "mimo", StatusCode.Unauthenticated)]
    [InlineData(TokenServerFixture.PlainOnly, "infer", "mimo", StatusCode.PermissionDenied)]
    [InlineData(TokenServerFixture.MimoOnly, "infer", "mimo", StatusCode.OK)]
    [InlineData(null, "metadata", "plain", StatusCode.Unauthenticated)]
    [InlineData(TokenServerFixture.MimoOnly, "metadata", "plain", StatusCode.PermissionDenied)]
    [InlineData(TokenServerFixture.PlainOnly, "ready", "plain", StatusCode.OK)]
    [InlineData(null, "live", "", StatusCode.OK)]
    [InlineData(null, "server-ready", "", StatusCode.OK)]
    public async Task OpenInference_Token_GetsTheStatusOfTheTokensRights(string? token, string call, string model, StatusCode expected)
    {
        var options = token is null ? new CallOptions(Deadline: TestServer.Deadline(10)) : WithToken(token);
        var input = new MimmoServe.Protocol.Inference.ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 1, 4 } };
        input.Contents = new MimmoServe.Protocol.Inference.InferTensorContents { Fp32Contents = { 1f, 2f, 3f, 4f } };
        Task task = call switch
        {
            "infer" => _server.Calls.AsyncUnaryCall(OpenInferenceMethods.ModelInfer, new MimmoServe.Protocol.Inference.ModelInferRequest { ModelName = model, Inputs = { input } }, options).ResponseAsync,
            "metadata" => _server.Calls.AsyncUnaryCall(OpenInferenceMethods.ModelMetadata, new MimmoServe.Protocol.Inference.ModelMetadataRequest { Name = model }, options).ResponseAsync,
            "ready" => _server.Calls.AsyncUnaryCall(OpenInferenceMethods.ModelReady, new MimmoServe.Protocol.Inference.ModelReadyRequest { Name = model }, options).ResponseAsync,
            "live" => _server.Calls.AsyncUnaryCall(OpenInferenceMethods.ServerLive, new MimmoServe.Protocol.Inference.ServerLiveRequest(), options).ResponseAsync,
            _ => _server.Calls.AsyncUnaryCall(OpenInferenceMethods.ServerReady, new MimmoServe.Protocol.Inference.ServerReadyRequest(), options).ResponseAsync,
        };

        var code = StatusCode.OK;
        try
        {
            await task;
        }
        catch (RpcException e)
        {
            code = e.StatusCode;
        }

        Assert.Equal(expected, code);
    }

    [Fact]
    public async Task Predict_ScopedTokenAndNoModel_ChecksTheDefaultModel()
    {
        var denied = await Assert.ThrowsAsync<RpcException>(() => PredictAsync(TokenServerFixture.PlainOnly, model: string.Empty));
        var served = await PredictAsync(TokenServerFixture.MimoOnly, model: string.Empty);

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("'mimo'", denied.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("mimo", served.Model);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("Basic " + TokenServerFixture.AllModels)]
    [InlineData(TokenServerFixture.AllModels)]
    public async Task Predict_MalformedAuthorization_IsUnauthenticated(string header)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Calls.AsyncUnaryCall(
            InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4]), new CallOptions(new Metadata().Add("authorization", header), TestServer.Deadline(10))).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task Predict_LowerCaseScheme_IsServed()
    {
        var response = await _server.Calls.AsyncUnaryCall(
            InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4], "lower"), new CallOptions(new Metadata().Add("authorization", "bearer " + TokenServerFixture.AllModels), TestServer.Deadline(10)));

        Assert.Equal("lower", response.Id);
    }

    [Theory]
    [InlineData(TokenServerFixture.AllModels, "mimo,plain")]
    [InlineData(TokenServerFixture.PlainOnly, "plain")]
    public async Task ListModels_Token_ListsOnlyTheModelsItMayUse(string token, string expected)
    {
        var response = await _server.Calls.AsyncUnaryCall(InferenceMethods.ListModels, new ListModelsRequest(), WithToken(token));

        Assert.Equal(expected, string.Join(',', response.Models.Select(m => m.Name).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task ListModels_NoToken_IsUnauthenticated()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _server.ListModelsAsync());

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task PredictStream_NoToken_IsUnauthenticatedBeforeAnyResponse()
    {
        using var call = _server.PredictStream();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task PredictStream_RequestForAModelOutsideTheToken_EndsPermissionDeniedAfterTheAllowedOnes()
    {
        using var call = _server.Calls.AsyncDuplexStreamingCall(InferenceMethods.PredictStream, WithToken(TokenServerFixture.MimoOnly));
        await call.RequestStream.WriteAsync(Requests.Mimo([1, 2, 3, 4], "allowed"));
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal("allowed", call.ResponseStream.Current.Id);

        await call.RequestStream.WriteAsync(Requests.Mimo([1, 2, 3, 4], "refused", model: "plain"));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.StartsWith("request 'refused':", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusal_Logged_NeverHoldsTheToken()
    {
        const string wrong = "wrong-token-that-must-not-be-logged";
        await Assert.ThrowsAsync<RpcException>(() => PredictAsync(wrong, "mimo"));
        await Assert.ThrowsAsync<RpcException>(() => PredictAsync(TokenServerFixture.PlainOnly, "mimo"));

        Assert.DoesNotContain(_server.Logs.Lines, m => m.Contains(wrong, StringComparison.Ordinal) || m.Contains(TokenServerFixture.PlainOnly, StringComparison.Ordinal));
        Assert.Contains(_server.Logs.Lines, m => m.Contains("PermissionDenied", StringComparison.Ordinal));
    }

    private static CallOptions WithToken(string token) =>
        new(new Metadata().Add("authorization", "Bearer " + token), TestServer.Deadline(20));

    private Task<PredictResponse> PredictAsync(string token, string model) =>
        _server.Calls.AsyncUnaryCall(InferenceMethods.Predict, Requests.Mimo([1, 2, 3, 4], model: model), WithToken(token)).ResponseAsync;
}
