using MlnetGan.Cli;

return await CliApp.RunAsync(args);
