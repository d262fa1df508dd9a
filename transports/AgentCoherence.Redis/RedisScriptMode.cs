namespace AgentCoherence.Redis;

/// <summary>How the Redis store runs its Lua: as a Redis 7 function library or as cached scripts.</summary>
public enum RedisScriptMode
{
    /// <summary>
    /// Functions when every primary is Redis 7.0 or later and accepts <c>FUNCTION LOAD</c>; otherwise
    /// scripts with <c>EVALSHA</c>. The default.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// One function library (<c>FUNCTION LOAD</c>), each operation called with <c>FCALL</c>. The helpers
    /// are defined once when the library loads instead of on every call, which takes a third or more
    /// off the server's time per operation. Needs Redis 7.0+ and permission to run <c>FUNCTION LOAD</c>.
    /// </summary>
    Functions = 1,

    /// <summary>Cached scripts (<c>SCRIPT LOAD</c>, then <c>EVALSHA</c>): any Redis from 6.0.</summary>
    Eval = 2,
}
