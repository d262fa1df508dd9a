using AgentCoherence.Mcp;

return await CoherenceMcpProgram.RunAsync(args, Console.Out, Console.Error);
