using System.Globalization;
using AgentCoherence.Sqlite;
using AgentCoherence.Volume;

// Usage (every command prints one line per event on stdout, for the test that started it):
//   append <root> <agent> <file> <count>   appends "<agent> <i>" lines to <file> with UpdateAsync, <count> times; prints DONE <agent>
//   churn <root> <agent> <file> <lines>    rewrites <file> forever with version n (ChurnContent); prints V <n> after each write
//   hang-after-rename <root> <agent> <file> <text>   writes <text> to <file>; inside the store's step, after the rename and
//                                                    before COMMIT, prints RENAMED and hangs (for kill -9)
var command = args.Length > 0 ? args[0] : "";
return command switch
{
    "append" => await Append(args[1], args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture)),
    "churn" => await Churn(args[1], args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture)),
    "hang-after-rename" => await HangAfterRename(args[1], args[2], args[3], args[4]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: append|churn <root> <agent> <file> <n> | hang-after-rename <root> <agent> <file> <text>");
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

static async Task<int> HangAfterRename(string root, string agent, string file, string text)
{
    var database = CoherentVolume.DefaultDatabasePath(root);
    Directory.CreateDirectory(Path.GetDirectoryName(database)!);
    var store = new SqliteDirectoryStore(new SqliteStoreOptions { Path = database });
    await using var volume = await CoherentVolume.OpenAsync(root, agent, new VolumeOptions { Managed = Options().Managed, Store = new HangAfterEffectStore(store) });
    await volume.UpdateAsync(file, _ => text);
    return 1;
}

static string ChurnContent(int n, int lines) =>
    string.Concat(Enumerable.Range(0, lines).Select(i => $"v{n} {i:D6}\n"));
