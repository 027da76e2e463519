using System;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using WeaveEval.Emulator;
using WeaveEval.Emulator.Hosting;

// dotnet run --project tests/WeaveEval.Emulator -- --seed demo --port 5555 [--api-key K] [--strict-unknown-keys]
//   [--forbid entity/project] [--generate project=acme-ai/big,rows=1000,trials=3,runs=2]
//   [--profile remote] [--latency-ms 100] [--trial-cost-us 3] [--bandwidth-bytes-per-second 25000000]
EmulatorOptions options;
try
{
    options = CommandLine.Parse(args);
}
catch (ArgumentException error)
{
    Console.Error.WriteLine($"emulator: {error.Message}");
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

var stopped = new TaskCompletionSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopped.TrySetResult();
}
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

EmulatorServer server;
try
{
    server = await EmulatorServer.StartAsync(options);
}
catch (Exception error) when (error is System.IO.IOException or System.IO.InvalidDataException or System.Text.Json.JsonException)
{
    Console.Error.WriteLine($"emulator: cannot start: {error.Message}");
    return 1;
}
await using var running = server;
// Scripts wait for exactly this line and parse the address out of it.
Console.WriteLine($"WeaveEval emulator listening on {server.BaseUri.ToString().TrimEnd('/')}");
await stopped.Task;
return 0;
