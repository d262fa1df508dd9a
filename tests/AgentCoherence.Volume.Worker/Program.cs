using System.Globalization;
using AgentCoherence.Volume;

// Usage (every command prints one line per event on stdout, for the test that started it):
//   append <root> <agent> <file> <count>   appends "<agent> <i>" lines to <file> with UpdateAsync, <count> times; prints DONE <agent>
//   churn <root> <agent> <file> <lines>    rewrites <file> forever with version n (ChurnContent); prints V <n> after each write
var command = args.Length > 0 ? args[0] : "";
return command switch
{
    "append" => await Append(args[1], args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture)),
    "churn" => await Churn(args[1], args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: append|churn <root> <agent> <file> <n>");
    return 2;
}

static VolumeOptions Options() => new() { Managed = ["shared/**"] };

static async Task<int> Append(string root, string agent, string file, int count)
{
    await using var volume = await CoherentVolume.OpenAsync(root, agent, Options());
    for (var i = 0; i < count; i++)
    {
        var line = $"{agent} {i}\n";
        await volume.UpdateAsync(file, current => (current ?? string.Empty) + line);
    }

    Console.WriteLine($"DONE {agent}");
    return 0;
}

static async Task<int> Churn(string root, string agent, string file, int lines)
{
    await using var volume = await CoherentVolume.OpenAsync(root, agent, Options());
    for (var n = 1; ; n++)
    {
        await volume.WriteAsync(file, ChurnContent(n, lines));
        Console.WriteLine($"V {n}");
    }
}

static string ChurnContent(int n, int lines) =>
    string.Concat(Enumerable.Range(0, lines).Select(i => $"v{n} {i:D6}\n"));
