using MimmoServe.Onnx.Handles;

namespace MimmoServe.Onnx;

/// <summary>
/// Run options for cancellable runs, reused so that a steady stream of cancellable runs creates none. Lock-free:
/// a fixed array of slots swapped with Interlocked.Exchange; when all are taken a new one is created, and when all
/// are full a returned one is released. Only options whose run was not terminated come back (the terminate flag
/// cannot be trusted to be clear otherwise).
/// </summary>
internal sealed class RunOptionsPool : IDisposable
{
    private readonly OrtRunOptionsHandle?[] _slots = new OrtRunOptionsHandle?[OnnxConstants.RunOptionsPoolSize];
    private volatile bool _disposed;

    public OrtRunOptionsHandle Rent()
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            var options = Interlocked.Exchange(ref _slots[i], null);
            if (options is not null)
            {
                return options;
            }
        }

        return OrtRunOptionsHandle.Create();
    }

    public void Return(OrtRunOptionsHandle options)
    {
        if (!_disposed)
        {
            for (var i = 0; i < _slots.Length; i++)
            {
                if (Interlocked.CompareExchange(ref _slots[i], options, null) is null)
                {
                    // A Dispose that ran between the check and the store would miss this one: sweep again.
                    if (_disposed)
                    {
                        Drain();
                    }

                    return;
                }
            }
        }

        options.Dispose();
    }

    public void Dispose()
    {
        _disposed = true;
        Drain();
    }

    private void Drain()
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            Interlocked.Exchange(ref _slots[i], null)?.Dispose();
        }
    }
}
