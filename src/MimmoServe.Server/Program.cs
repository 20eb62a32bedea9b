using MimmoServe.Server.Hosting;

return await MimmoServerHost.RunAsync(args);
