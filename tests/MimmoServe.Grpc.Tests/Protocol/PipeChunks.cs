using System.IO.Pipelines;

namespace MimmoServe.Grpc.Tests.Protocol;

/// <summary>Feeds bytes into a pipe in chunks of a given size, flushing each, as a network peer would.</summary>
internal static class PipeChunks
{
    public static PipeReader Feed(byte[] bytes, int chunkSize, bool complete = true)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        for (var offset = 0; offset < bytes.Length; offset += chunkSize)
        {
            var length = Math.Min(chunkSize, bytes.Length - offset);
            bytes.AsSpan(offset, length).CopyTo(pipe.Writer.GetSpan(length));
            pipe.Writer.Advance(length);
            // Each flush makes a separate segment boundary the reader can observe.
            var flush = pipe.Writer.FlushAsync();
            Assert.True(flush.IsCompleted);
        }

        if (complete)
        {
            pipe.Writer.Complete();
        }

        return pipe.Reader;
    }
}
