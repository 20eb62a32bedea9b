using MimmoServe.Bench.Suite;

SuiteOptions options;
try
{
    options = SuiteOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (!NativeLoad.Available())
{
    Console.Error.WriteLine($"{NativeLoad.Program} is missing: install Debian's nghttp2-client (apt-get install nghttp2-client).");
    return 1;
}

return await SuiteRun.RunAsync(options, args).ConfigureAwait(false);
