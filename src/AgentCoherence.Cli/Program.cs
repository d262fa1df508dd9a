using AgentCoherence.Cli;

return await CliApp.Create().RunAsync(args);
