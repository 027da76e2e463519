using System;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using WeaveEval.Emulator.Faults;
using WeaveEval.Emulator.Generation;
using WeaveEval.Emulator.Hosting;
using WeaveEval.Emulator.Profile;
using WeaveEval.Emulator.Seeding;
using WeaveEval.Emulator.Store;

namespace WeaveEval.Emulator
{
    /// <summary>
    /// The loopback Weave trace-server emulator, in process. Tests start one per class (or share one),
    /// point a client at <see cref="BaseUri"/> with <see cref="ApiKey"/>, and steer it through
    /// <see cref="Store"/>, <see cref="Faults"/> and <see cref="Requests"/>.
    /// </summary>
    public sealed class EmulatorServer : IAsyncDisposable
    {
        /// <summary>Largest request body the trace server accepts.</summary>
        internal const long MaximumRequestBodyBytes = 32L * 1024 * 1024;

        private readonly WebApplication app;
        private readonly ProfileSetting profile;

        private EmulatorServer(WebApplication app, Uri baseUri, EmulatorStore store, EmulatorOptions options, FaultInjector faults, RequestLog requests, ProfileSetting profile)
        {
            this.app = app;
            this.profile = profile;
            BaseUri = baseUri;
            Store = store;
            ApiKey = options.ApiKey;
            Faults = faults;
            Requests = requests;
        }

        public Uri BaseUri { get; }
        public EmulatorStore Store { get; }
        public string ApiKey { get; }
        public FaultInjector Faults { get; }
        public RequestLog Requests { get; }

        /// <summary>The profile requests are served with from now on (also <c>/__emulator/profile</c>).</summary>
        public ServerProfile Profile
        {
            get => profile.Current;
            set => profile.Current = value;
        }

        public static async Task<EmulatorServer> StartAsync(EmulatorOptions options)
        {
            var store = new EmulatorStore();
            DemoSeed.Apply(store, options.Seed);
            if (options.Generate is not null) EvaluationGenerator.Generate(store, options.Generate);

            var faults = new FaultInjector();
            var requests = new RequestLog();
            var profile = new ProfileSetting(options.Profile);
            var pipeline = new RequestPipeline(store, options, faults, requests, profile);

            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            {
                kestrel.Listen(IPAddress.Loopback, options.Port);
                kestrel.Limits.MaxRequestBodySize = MaximumRequestBodyBytes + 1;
                kestrel.AddServerHeader = false;
            });
            var app = builder.Build();
            app.Run(pipeline.HandleAsync);
            await app.StartAsync().ConfigureAwait(false);

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var port = new Uri(address).Port;
            return new EmulatorServer(app, new Uri($"http://127.0.0.1:{port}"), store, options, faults, requests, profile);
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
