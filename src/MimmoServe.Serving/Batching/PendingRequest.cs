using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Requests;

namespace MimmoServe.Serving.Batching;

/// <summary>
/// A validated request waiting in a batcher's queue. Its life is a small state machine so that exactly one party
/// decides its fate: Queued → Taken (the batcher packed it; it will run) or Queued → Dropped (its token was
/// cancelled or its deadline passed before packing; it never runs). The item stays where the request carried it
/// (<see cref="ItemSource"/>) until the batcher writes it into its slot; the prediction's task ends only after that
/// or after the drop, so the host's message outlives every read of it.
/// </summary>
internal sealed class PendingRequest
{
    private const int Queued = 0;
    private const int Taken = 1;
    private const int Dropped = 2;

    // Continuations run on the thread pool, never inline on the batcher's thread or under anyone's lock.
    private readonly TaskCompletionSource<Prediction> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _model;
    private CancellationTokenRegistration _registration;
    private readonly ItemSource _item;
    private int _state;

    public PendingRequest(string model, string id, ItemSource item, int ensembleSize, uint topK, bool returnMembers, long acceptedTimestamp, DateTimeOffset? deadline)
    {
        _model = model;
        Id = id;
        _item = item;
        EnsembleSize = ensembleSize;
        TopK = topK;
        ReturnMembers = returnMembers;
        AcceptedTimestamp = acceptedTimestamp;
        Deadline = deadline;
    }

    public string Id { get; }

    public int EnsembleSize { get; }

    public uint TopK { get; }

    public bool ReturnMembers { get; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the request was accepted.</summary>
    public long AcceptedTimestamp { get; }

    public DateTimeOffset? Deadline { get; }

    /// <summary>Where a staged model's input may stop (full for models that are not staged).</summary>
    public Requests.ExitPolicy ExitPolicy { get; init; } = Requests.ExitPolicy.Full;

    /// <summary>
    /// The span that was current when the request arrived (its request span); null when not traced. A reference
    /// rather than its <see cref="System.Diagnostics.ActivityContext"/>: 8 bytes per request instead of 32.
    /// </summary>
    public System.Diagnostics.Activity? TraceParent { get; init; }

    public Task<Prediction> Task => _completion.Task;

    /// <summary>The item; read only by the party that took the request, while packing it.</summary>
    public ItemSource Item => _item;

    public bool IsQueued => Volatile.Read(ref _state) == Queued;

    /// <summary>Drops the request when <paramref name="token"/> is cancelled while it waits. Call once, before it is queued.</summary>
    public void WatchCancellation(CancellationToken token)
    {
        if (token.CanBeCanceled)
        {
            _registration = token.UnsafeRegister(static state => ((PendingRequest)state!).TryDrop(ServingErrorKind.Cancelled), this);
        }
    }

    /// <summary>Stops watching the token: the request was refused and is not queued.</summary>
    public void StopWatching() => _registration.Dispose();

    /// <summary>The batcher packs this request: from now on it runs. False if it was dropped first.</summary>
    public bool TryTake()
    {
        if (Interlocked.CompareExchange(ref _state, Taken, Queued) != Queued)
        {
            return false;
        }

        _registration.Dispose();
        return true;
    }

    /// <summary>
    /// Ends a queued request with a Cancelled or DeadlineExceeded error; false if it was taken or dropped already.
    /// <paramref name="beforeCompleting"/> runs once the drop is decided and before the caller can see the error, so
    /// that whatever it counts is there for anyone who saw the error first (the batcher counts a shed there).
    /// </summary>
    public bool TryDrop(ServingErrorKind kind, Action? beforeCompleting = null)
    {
        if (Interlocked.CompareExchange(ref _state, Dropped, Queued) != Queued)
        {
            return false;
        }

        _registration.Dispose();
        beforeCompleting?.Invoke();
        _completion.TrySetException(kind == ServingErrorKind.Cancelled ? ServingErrors.Cancelled(_model) : ServingErrors.DeadlineExceeded(_model));
        return true;
    }

    public void Complete(Prediction prediction) => _completion.TrySetResult(prediction);

    public void Fail(Exception error) => _completion.TrySetException(error);
}
