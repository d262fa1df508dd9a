namespace AgentCoherence.Internal;

/// <summary>What <see cref="CoherenceClient.RecordTo(string, bool)"/> returns: disposing it stops that recording and flushes it.</summary>
internal sealed class RecordingHandle : IAsyncDisposable
{
    private readonly CoherenceClient _client;
    private Recorder? _recorder;

    public RecordingHandle(CoherenceClient client, Recorder recorder)
    {
        _client = client;
        _recorder = recorder;
    }

    public ValueTask DisposeAsync() =>
        Interlocked.Exchange(ref _recorder, null) is { } recorder ? _client.StopRecordingAsync(recorder) : ValueTask.CompletedTask;
}
