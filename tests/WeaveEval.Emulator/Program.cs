using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using WeaveEval.Emulator;
using WeaveEval.Emulator.Generation;

// dotnet run --project tests/WeaveEval.Emulator -- --seed demo --port 5555 [--api-key K] [--strict-unknown-keys]
//   [--forbid entity/project] [--generate project=acme-ai/big,rows=1000,trials=3,runs=2]
EmulatorOptions options;
try
{
    options = ParseArguments(args);
}
catch (ArgumentException error)
{
    Console.Error.WriteLine($"emulator: {error.Message}");
    Console.Error.WriteLine("usage: WeaveEval.Emulator [--seed demo|none|<file.json>] [--port N] [--api-key KEY] [--strict-unknown-keys] [--forbid entity/project]... [--generate key=value,...]");
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

static EmulatorOptions ParseArguments(string[] arguments)
{
    var options = new EmulatorOptions();
    var forbidden = new List<string>();
    for (var i = 0; i < arguments.Length; i++)
    {
        string Value() => i + 1 < arguments.Length ? arguments[++i] : throw new ArgumentException($"{arguments[i]} needs a value");
        switch (arguments[i])
        {
            case "--seed": options.Seed = Value(); break;
            case "--port": options.Port = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : throw new ArgumentException("--port needs a number"); break;
            case "--api-key": options.ApiKey = Value(); break;
            case "--strict-unknown-keys": options.StrictUnknownKeys = true; break;
            case "--forbid": forbidden.Add(Value()); break;
            case "--generate": options.Generate = GeneratorSpec.Parse(Value()); break;
            default: throw new ArgumentException($"unknown argument {arguments[i]}");
        }
    }
    options.ForbiddenProjects = forbidden;
    return options;
}
