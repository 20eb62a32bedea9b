namespace MimmoServe.Serving.Telemetry;

/// <summary>Why a request was refused or dropped without running (the <c>reason</c> tag of <c>mimmo.shed</c>).</summary>
public enum ShedReason
{
    /// <summary>The model's queue was full: RESOURCE_EXHAUSTED at once.</summary>
    QueueFull = 0,

    /// <summary>Its deadline had passed on arrival or passed while it waited: never run.</summary>
    Deadline = 1,

    /// <summary>The model was stopping: UNAVAILABLE.</summary>
    ShuttingDown = 2,
}
