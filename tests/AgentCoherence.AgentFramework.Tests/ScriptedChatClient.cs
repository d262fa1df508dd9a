using Microsoft.Extensions.AI;

namespace AgentCoherence.AgentFramework.Tests;

/// <summary>
/// A model with no network: each request is answered by the next scripted turn, which sees the request's messages.
/// Every request is recorded so a test can check what the model was shown.
/// </summary>
internal sealed class ScriptedChatClient : IChatClient
{
    private readonly Queue<Func<IReadOnlyList<ChatMessage>, ChatMessage>> _turns = new();

    public List<IReadOnlyList<ChatMessage>> Requests { get; } = [];

    /// <summary>Adds a turn answering with one tool call.</summary>
    public ScriptedChatClient Call(string tool, params (string Name, object? Value)[] arguments) =>
        Then(_ => new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(Guid.NewGuid().ToString("N"), tool, arguments.ToDictionary(a => a.Name, a => a.Value))]));

    /// <summary>Adds a turn answering with text (which ends the run).</summary>
    public ScriptedChatClient Say(string text) => Then(_ => new ChatMessage(ChatRole.Assistant, text));

    /// <summary>Adds a turn computed from the request.</summary>
    public ScriptedChatClient Then(Func<IReadOnlyList<ChatMessage>, ChatMessage> turn)
    {
        _turns.Enqueue(turn);
        return this;
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = messages.ToList();
        Requests.Add(request);
        if (!_turns.TryDequeue(out var turn))
        {
            throw new InvalidOperationException($"The script has no turn left for request {Requests.Count}.");
        }

        return Task.FromResult(new ChatResponse(turn(request)));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    /// <summary>The result of the last tool call in <paramref name="request"/>, as text.</summary>
    public static string LastToolResult(IReadOnlyList<ChatMessage> request)
    {
        var result = request.SelectMany(m => m.Contents).OfType<FunctionResultContent>().LastOrDefault()
            ?? throw new InvalidOperationException("The request holds no tool result.");
        return result.Result switch
        {
            System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.String } text => text.GetString()!,
            null => "",
            var other => other.ToString()!,
        };
    }
}
