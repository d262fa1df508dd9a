using System.Text;
using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>A short human-readable rendering of a model state, for counterexamples.</summary>
internal static class StateDump
{
    public static string Format(ModelUniverse universe, ModelState state, string indent = "  ")
    {
        ArgumentNullException.ThrowIfNull(universe);
        ArgumentNullException.ThrowIfNull(state);
        var text = new StringBuilder();
        text.Append(indent).Append("clock: t0+").Append((state.Now - ModelUniverse.T0).Ticks / ExplorerBounds.Step.Ticks).AppendLine(" steps");
        foreach (var key in universe.Artifacts)
        {
            text.Append(indent).Append(key.Name).Append(": ");
            if (!state.Directory.Records.TryGetValue(key, out var record))
            {
                text.AppendLine("no record");
                continue;
            }

            text.Append('v').Append(record.Version).Append(record.IsTombstone ? " tombstone" : record.Version == 0 ? " never committed" : " live")
                .Append(", epoch ").Append(record.OwnerEpoch);
            foreach (var agent in universe.Agents)
            {
                if (!record.Holders.TryGetValue(agent, out var entry))
                {
                    continue;
                }

                text.Append(" | ").Append(agent).Append(' ').Append(entry.State.Letter())
                    .Append(" view=v").Append(entry.ViewVersion)
                    .Append(" readEpoch=").Append(entry.ReadEpoch?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none");
                if (entry.GrantedAt is { } granted)
                {
                    text.Append(" grantAge=").Append(ModelUniverse.CappedAge(state.Now, granted, int.MaxValue));
                }

                if (entry.LastReclaim is { } reclaim)
                {
                    text.Append(" lastReclaim=").Append(reclaim.TriggerName);
                }
            }

            text.AppendLine();
        }

        text.Append(indent).Append("heartbeat ages:");
        foreach (var agent in universe.Agents)
        {
            text.Append(' ').Append(agent).Append('=');
            text.Append(state.Directory.Heartbeats.TryGetValue(agent, out var beat) ? ModelUniverse.CappedAge(state.Now, beat, int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture) : "unregistered");
        }

        return text.ToString();
    }
}
