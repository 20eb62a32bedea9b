using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mimmo.Interop.V1;
using Microsoft.AspNetCore.Http;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Tests.Infrastructure;

namespace MimmoServe.Grpc.Tests.Client;

/// <summary>Failures below gRPC: HTTP errors, broken responses, silent servers, lost and refused connections.</summary>
public sealed class GrpcChannelTransportTests
{
    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(504, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Unknown)]
    public async Task AsyncUnaryCall_HttpErrorStatus_MapsToGrpcStatusPerSpec(int httpStatus, StatusCode expected)
    {
        await using var server = await RawHttp2Server.StartAsync(context =>
        {
            context.Response.StatusCode = httpStatus;
            return Task.CompletedTask;
        });

        var ex = await CallUnaryAsync(server.Address);

        Assert.Equal(expected, ex.StatusCode);
        Assert.Contains(httpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AsyncUnaryCall_OkWithNonGrpcContentType_ThrowsUnknown()
    {
        await using var server = await RawHttp2Server.StartAsync(context =>
        {
            context.Response.ContentType = "text/html";
            return context.Response.WriteAsync("<html>proxy error</html>");
        });

        var ex = await CallUnaryAsync(server.Address);

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.Contains("text/html", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AsyncUnaryCall_ResponseWithoutGrpcStatus_ThrowsUnknown()
    {
        await using var server = await RawHttp2Server.StartAsync(context =>
        {
            context.Response.ContentType = GrpcProtocolConstants.ContentType;
            return context.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 0 }).AsTask();
        });

        var ex = await CallUnaryAsync(server.Address);

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
    }

    [Fact]
    public async Task AsyncUnaryCall_OkStatusWithoutMessage_ThrowsInternal()
    {
        await using var server = await RawHttp2Server.StartAsync(async context =>
        {
            context.Response.ContentType = GrpcProtocolConstants.ContentType;
            context.Response.AppendTrailer(GrpcProtocolConstants.StatusHeader, "0");
            await context.Response.Body.FlushAsync();
        });

        var ex = await CallUnaryAsync(server.Address);

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task AsyncUnaryCall_ServerIgnoresDeadline_ClientEndsCallOnTimeWithDeadlineExceeded()
    {
        var seenTimeout = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await RawHttp2Server.StartAsync(async context =>
        {
            seenTimeout.TrySetResult(context.Request.Headers[GrpcProtocolConstants.TimeoutHeader]);
            context.Response.ContentType = GrpcProtocolConstants.ContentType;
            await context.Response.Body.FlushAsync();
            // Never answers: only the client's own timer can end the call.
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        var watch = Stopwatch.StartNew();

        var ex = await CallUnaryAsync(server.Address, DateTime.UtcNow.AddMilliseconds(300));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));
        Assert.True(GrpcTimeout.TryParse(await seenTimeout.Task, out var sent));
        Assert.InRange(sent, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task AsyncUnaryCall_NothingListening_ThrowsUnavailable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var ex = await CallUnaryAsync(new Uri($"http://127.0.0.1:{port}"));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    [Fact]
    public async Task AsyncDuplexStreamingCall_ServerProcessDiesMidStream_ThrowsUnavailable()
    {
        var python = await PythonEchoServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(python.Address);
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(EchoService.BidiMethod, new CallOptions(Deadline: TestDeadlines.Safe));
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "one" });
        Assert.True(await call.ResponseStream.MoveNext());

        await python.DisposeAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest()));
    }

    private static async Task<RpcException> CallUnaryAsync(Uri address, DateTime? deadline = null)
    {
        using var channel = GrpcChannel.ForAddress(address);
        return await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.CreateCallInvoker().AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest(), new CallOptions(Deadline: deadline ?? TestDeadlines.Safe)));
    }
}
