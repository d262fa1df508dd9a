// The fleet sample: a worker that edits plans shared by every worker of the fleet (docs/fleet.md).
// All settings are in appsettings.json; environment variables override any of them, for example
// AgentCoherence__Redis__ConnectionString, AgentCoherence__Transport__Nats__Url or Fleet__Instance.
//
//   dotnet run                 one worker (start one per instance, each with its own Fleet__Instance)
//   dotnet run -- print        prints every line of every plan, "<plan> <line>", then exits
using FleetWorker;
using Microsoft.Extensions.Options;

var builder = Host.CreateApplicationBuilder(args);

// AgentCoherence with the Redis store, which every process shares (it decides every commit), and the
// bus named by AgentCoherence:Transport:Kind (here NATS), which carries the invalidation signals that
// keep each process's cached copies fresh.
var coherence = builder.Configuration.GetSection("AgentCoherence");
builder.Services.AddAgentCoherence(coherence)
    .UseRedis(coherence.GetSection("Redis"))
    .UseTransportFromConfiguration(coherence);

builder.Services.AddOptions<FleetOptions>()
    .Bind(builder.Configuration.GetSection("Fleet"))
    .Validate(o => !string.IsNullOrWhiteSpace(o.Instance), "Fleet:Instance must name this worker.")
    .Validate(o => o.FleetSize >= 1, "Fleet:FleetSize must be at least 1.")
    .Validate(o => o.Plans >= 1, "Fleet:Plans must be at least 1.")
    .Validate(o => o.Edits >= 0, "Fleet:Edits must not be negative.")
    .Validate(o => o.Duration > TimeSpan.Zero && o.JoinTimeout > TimeSpan.Zero && o.Pause >= TimeSpan.Zero,
        "Fleet:Duration and Fleet:JoinTimeout must be positive, and Fleet:Pause not negative.")
    .ValidateOnStart();

if (args is ["print", ..])
{
    // The plans are this mode's output on stdout; every log line goes to stderr.
    builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    using var host = builder.Build();
    await host.StartAsync();
    await PrintPlansAsync(host.Services);
    await host.StopAsync();
    return;
}

builder.Services.AddHostedService<PlanEditor>();
await builder.Build().RunAsync();

// Reads every plan from the store and prints its lines, one "<plan> <line>" each.
static async Task PrintPlansAsync(IServiceProvider services)
{
    var client = services.GetRequiredService<AgentCoherence.CoherenceClient>();
    var fleet = services.GetRequiredService<IOptions<FleetOptions>>().Value;
    await using var reader = client.Agent($"{fleet.Instance}-print");
    for (var index = 0; index < fleet.Plans; index++)
    {
        var plan = FleetOptions.Plan(index);
        var view = await reader.TryReadAsync(client.Key(plan));
        foreach (var line in (view?.Text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Console.WriteLine($"{plan} {line}");
        }
    }
}
