namespace AgentCoherence.Volume.Internal;

/// <summary>
/// One file of a managed write, prepared before the store's atomic step so that only a rename is left for
/// inside it: the intent is recorded and the content written to a temporary file next to the target, both
/// flushed to disk. <see cref="Apply"/> runs inside the step; <see cref="Undo"/> too, when a later file of the
/// same step fails.
/// </summary>
internal sealed class StagedFile
{
    private readonly WriteIntents _intents;
    private string? _temp;
    private WriteIntent? _intent;

    private StagedFile(ResolvedPath target, byte[] content, string hash, DiskState before, WriteIntents intents)
    {
        Target = target;
        Content = content;
        Hash = hash;
        Before = before;
        _intents = intents;
    }

    /// <summary>The file.</summary>
    public ResolvedPath Target { get; }

    /// <summary>The new content.</summary>
    public byte[] Content { get; }

    /// <summary>Its SHA-256 hex.</summary>
    public string Hash { get; }

    /// <summary>What the disk and the store held when the write was staged (the disk matched the store).</summary>
    public DiskState Before { get; }

    /// <summary>Records the intent, then writes the temporary file.</summary>
    public static StagedFile Stage(ResolvedPath target, byte[] content, string hash, DiskState before, WriteIntents intents)
    {
        var staged = new StagedFile(target, content, hash, before, intents);
        staged._intent = intents.Record(target.Name, before.Version, before.Hash, hash);
        try
        {
            staged._temp = AtomicFile.WriteTemp(target.FullPath, content);
        }
        catch
        {
            WriteIntents.Remove(staged._intent);
            throw;
        }

        return staged;
    }

    /// <summary>
    /// Inside the step: puts the content in place. Idempotent, because a step can be retried after a failed
    /// commit: the temporary file is renamed over the target when it is still there; otherwise the target already
    /// holds the content, or the content is written afresh (with its intent recorded again first).
    /// </summary>
    public void Apply()
    {
        if (_temp is not null && File.Exists(_temp))
        {
            File.Move(_temp, Target.FullPath, overwrite: true);
            _temp = null;
            return;
        }

        if (AtomicFile.Hash(AtomicFile.TryRead(Target.FullPath)) == Hash)
        {
            return;
        }

        if (_intent is null || !WriteIntents.Exists(_intent))
        {
            _intent = _intents.Record(Target.Name, Before.Version, Before.Hash, Hash);
        }

        AtomicFile.Replace(Target.FullPath, Content);
    }

    /// <summary>Inside the step that is being undone: puts back what the disk held before (a file that did not exist is removed).</summary>
    public void Undo()
    {
        if (Before.Bytes is null)
        {
            File.Delete(Target.FullPath);
        }
        else if (AtomicFile.Hash(AtomicFile.TryRead(Target.FullPath)) != Before.Hash)
        {
            AtomicFile.Replace(Target.FullPath, Before.Bytes);
        }
    }

    /// <summary>After the step: drops the temporary file if it is still there.</summary>
    public void DeleteTemp()
    {
        if (_temp is not null)
        {
            AtomicFile.TryDelete(_temp);
            _temp = null;
        }
    }

    /// <summary>After the step, once the disk is known to follow the store: the intent is done.</summary>
    public void Done()
    {
        DeleteTemp();
        if (_intent is not null)
        {
            WriteIntents.Remove(_intent);
            _intent = null;
        }
    }
}
