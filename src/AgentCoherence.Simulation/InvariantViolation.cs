namespace AgentCoherence.Simulation;

/// <summary>An invariant a run broke: which, where, and the command that replays the run up to it.</summary>
/// <param name="Invariant">The invariant's name (SingleWriter, ViewCurrent, MonotonicVersion, NoLostUpdate, NoStaleApply, NoDoubleApply, LandedMeansLanded, ContiguousVersions).</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Tick">The tick it was found in.</param>
/// <param name="Step">The number of agent actions started before it was found.</param>
/// <param name="Message">What was wrong.</param>
/// <param name="Reproduce">The <c>coherence simulate</c> command line that replays the run.</param>
public sealed record InvariantViolation(string Invariant, int Seed, int Tick, long Step, string Message, string Reproduce);
