using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mimmo.Interop.V1;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
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
        var reset = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await RawHttp2Server.StartAsync(async context =>
        {
            seenTimeout.TrySetResult(context.Request.Headers[GrpcProtocolConstants.TimeoutHeader]);
            context.Response.ContentType = GrpcProtocolConstants.ContentType;
            await context.Response.Body.FlushAsync();
            // Never answers: only the client's own timer can end the call.
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => reset.TrySetResult(), TaskScheduler.Default);
        });
        var watch = Stopwatch.StartNew();

        using var channel = GrpcChannel.ForAddress(server.Address);
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            channel.CreateCallInvoker().AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest(), new CallOptions(Deadline: DateTime.UtcNow.AddMilliseconds(300))).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(15)));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));
        Assert.True(GrpcTimeout.TryParse(await seenTimeout.Task, out var sent));
        Assert.InRange(sent, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(300));
        // The client reset the stream: the server's handler is released at once, not when the connection closes.
        await reset.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AsyncUnaryCall_InjectedClockPassesDeadline_EndsCallWithDeadlineExceeded()
    {
        var headersSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await RawHttp2Server.StartAsync(async context =>
        {
            headersSeen.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { TimeProvider = clock });
        using var call = channel.CreateCallInvoker().AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest(), new CallOptions(Deadline: clock.GetUtcNow().UtcDateTime.AddMinutes(5)));
        await headersSeen.Task;

        Assert.False(call.ResponseAsync.IsCompleted);
        clock.Advance(TimeSpan.FromMinutes(5));

        // Bounded, so that a client that ignores its deadline fails the test instead of hanging it.
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
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
        // Bounded, so that a client that ignores its deadline fails the test instead of hanging it.
        return await Assert.ThrowsAsync<RpcException>(() =>
            channel.CreateCallInvoker().AsyncUnaryCall(EchoService.UnaryMethod, new EchoRequest(), new CallOptions(Deadline: deadline ?? TestDeadlines.Safe)).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(15)));
    }
}
