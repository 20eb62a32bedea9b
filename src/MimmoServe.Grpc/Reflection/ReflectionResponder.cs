using MimmoServe.Grpc.Protocol;
using MimmoServe.Grpc.Reflection.V1;
using MimmoServe.Grpc.Server;

namespace MimmoServe.Grpc.Reflection;

/// <summary>
/// Answers ServerReflectionInfo requests. v1 and v1alpha have the same messages on the wire (only the
/// package differs), so both versions are served with the v1 classes.
/// </summary>
internal sealed class ReflectionResponder
{
    private readonly GrpcServiceRegistry _registry;
    private ReflectionIndex? _index;

    public ReflectionResponder(GrpcServiceRegistry registry)
    {
        _registry = registry;
    }

    // Built on first use: the registry is complete only once the endpoints are mapped. A race builds it twice, harmlessly.
    private ReflectionIndex Index => _index ??= new ReflectionIndex(_registry.Services);

    public async Task ServeAsync(IAsyncStreamReader<ServerReflectionRequest> requests, IServerStreamWriter<ServerReflectionResponse> responses, ServerCallContext context)
    {
        while (await requests.MoveNextAsync(context.CancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(Answer(requests.Current), context.CancellationToken).ConfigureAwait(false);
        }
    }

    public ServerReflectionResponse Answer(ServerReflectionRequest request)
    {
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        var index = Index;
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                response.ListServicesResponse = new ListServiceResponse();
                response.ListServicesResponse.Service.Add(index.ServiceNames.Select(n => new ServiceResponse { Name = n }));
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFile(response, index.FindFile(request.FileByFilename), "file " + request.FileByFilename);
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFile(response, index.FindFileContainingSymbol(request.FileContainingSymbol), "symbol " + request.FileContainingSymbol);
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType when index.IsMessage(request.AllExtensionNumbersOfType):
                // The hosted protos are proto3: no message declares extension ranges.
                response.AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType };
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                SetError(response, StatusCode.NotFound, "Unknown type " + request.AllExtensionNumbersOfType);
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                SetError(response, StatusCode.NotFound, "Unknown extension " + request.FileContainingExtension.ContainingType + " " + request.FileContainingExtension.ExtensionNumber);
                break;
            default:
                SetError(response, StatusCode.InvalidArgument, "The request sets no message_request.");
                break;
        }

        return response;
    }

    private static void SetFile(ServerReflectionResponse response, Google.Protobuf.Reflection.FileDescriptor? file, string what)
    {
        if (file is null)
        {
            SetError(response, StatusCode.NotFound, "Unknown " + what);
            return;
        }

        response.FileDescriptorResponse = new FileDescriptorResponse();
        response.FileDescriptorResponse.FileDescriptorProto.Add(ReflectionIndex.WithDependencies(file).Select(f => f.SerializedData));
    }

    private static void SetError(ServerReflectionResponse response, StatusCode code, string message) =>
        response.ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };
}
