using System;
using WeaveEval.Client;

namespace WeaveEval.Tests
{
    public class ConnectionResolverTests
    {
        private static FakeEnvironment EnvWithProject()
        {
            var env = new FakeEnvironment();
            env.Variables["WANDB_ENTITY"] = "env-entity";
            env.Variables["WANDB_PROJECT"] = "env-project";
            return env;
        }

        [Fact]
        public void Parameter_wins_over_session_which_wins_over_environment()
        {
            var env = EnvWithProject();
            env.Variables["WANDB_API_KEY"] = "env-key";
            var session = new WeaveSession { Entity = "session-entity", Project = "session-project", ApiKey = new ApiKey("session-key"), BaseUri = new Uri("https://session.example.test") };

            var fromSession = ConnectionResolver.Resolve(new ConnectionRequest(), session, env);
            Assert.Equal("session-entity", fromSession.Entity);
            Assert.Equal("session-project", fromSession.Project);
            Assert.Equal(ApiKeySource.Session, fromSession.KeySource);
            Assert.Equal("https://session.example.test/", fromSession.BaseUri.AbsoluteUri);

            var request = new ConnectionRequest { Entity = "p-entity", Project = "p-project", ApiKey = new ApiKey("param-key"), BaseUri = new Uri("https://param.example.test/x") };
            var fromParameter = ConnectionResolver.Resolve(request, session, env);
            Assert.Equal("p-entity", fromParameter.Entity);
            Assert.Equal("p-project", fromParameter.Project);
            Assert.Equal(ApiKeySource.Parameter, fromParameter.KeySource);
            Assert.Equal("param-key", fromParameter.ApiKey.Reveal());
            Assert.Equal("https://param.example.test/x/", fromParameter.BaseUri.AbsoluteUri);

            var fromEnvironment = ConnectionResolver.Resolve(new ConnectionRequest(), null, env);
            Assert.Equal("env-entity", fromEnvironment.Entity);
            Assert.Equal(ApiKeySource.Environment, fromEnvironment.KeySource);
            Assert.Equal("env-key", fromEnvironment.ApiKey.Reveal());
            Assert.Equal("the environment variable WANDB_API_KEY", fromEnvironment.KeySourceDescription);
        }

        [Fact]
        public void Credential_source_is_reported()
        {
            var request = new ConnectionRequest { ApiKey = new ApiKey("k"), ApiKeySource = ApiKeySource.Credential };
            var resolved = ConnectionResolver.Resolve(request, null, EnvWithProject());
            Assert.Equal(ApiKeySource.Credential, resolved.KeySource);
            Assert.Contains("-Credential", resolved.KeySourceDescription);
        }

        [Fact]
        public void Environment_key_wins_over_netrc()
        {
            var env = EnvWithProject();
            env.Files["/home/tester/.netrc"] = "machine api.wandb.ai login user password netrc-key";
            env.Variables["WANDB_API_KEY"] = "env-key";
            Assert.Equal("env-key", ConnectionResolver.Resolve(new ConnectionRequest(), null, env).ApiKey.Reveal());
        }

        [Fact]
        public void Netrc_entry_for_the_wandb_host_is_used_and_described_without_the_key()
        {
            var env = EnvWithProject();
            env.Files["/home/tester/.netrc"] = "machine other.example.test login a password wrong\nmachine api.wandb.ai\n  login user\n  password " + TestKeys.Secret + "\n";
            var resolved = ConnectionResolver.Resolve(new ConnectionRequest(), null, env);
            Assert.Equal(TestKeys.Secret, resolved.ApiKey.Reveal());
            Assert.Equal(ApiKeySource.Netrc, resolved.KeySource);
            Assert.Equal("the netrc file /home/tester/.netrc (machine api.wandb.ai)", resolved.KeySourceDescription);
            Assert.DoesNotContain(TestKeys.Secret, resolved.KeySourceDescription);
            Assert.Equal("[redacted]", resolved.ApiKey.ToString());
        }

        [Fact]
        public void Netrc_machine_is_the_host_of_WANDB_BASE_URL()
        {
            var env = EnvWithProject();
            env.Variables["WANDB_BASE_URL"] = "https://acme.wandb.io/";
            env.Files["/home/tester/.netrc"] = "machine api.wandb.ai password saas-key\nmachine ACME.wandb.io password acme-key";
            var resolved = ConnectionResolver.Resolve(new ConnectionRequest(), null, env);
            Assert.Equal("acme-key", resolved.ApiKey.Reveal());
            Assert.Equal("https://acme.wandb.io/traces/", resolved.BaseUri.AbsoluteUri);
        }

        [Fact]
        public void Netrc_machine_with_a_port_matches_host_and_port_first()
        {
            var env = EnvWithProject();
            env.Variables["WANDB_BASE_URL"] = "http://localhost:8080";
            env.Files["/home/tester/.netrc"] = "machine localhost password plain-host\nmachine localhost:8080 password with-port";
            var resolved = ConnectionResolver.Resolve(new ConnectionRequest(), null, env);
            Assert.Equal("with-port", resolved.ApiKey.Reveal());
            Assert.Equal("http://localhost:8080/traces/", resolved.BaseUri.AbsoluteUri);
        }

        [Fact]
        public void NETRC_variable_is_read_first_and_default_entry_is_the_fallback()
        {
            var env = EnvWithProject();
            env.Variables["NETRC"] = "/etc/custom-netrc";
            env.Files["/etc/custom-netrc"] = "machine elsewhere password no\ndefault login x password default-key";
            env.Files["/home/tester/.netrc"] = "machine api.wandb.ai password home-key";
            var resolved = ConnectionResolver.Resolve(new ConnectionRequest(), null, env);
            Assert.Equal("default-key", resolved.ApiKey.Reveal());
            Assert.Contains("/etc/custom-netrc", resolved.KeySourceDescription);
        }

        private static FakeEnvironment WindowsEnvWithProject()
        {
            var env = EnvWithProject();
            env.IsWindows = true;
            env.HomeDirectory = @"C:\Users\tester";
            return env;
        }

        [Fact]
        public void Underscore_netrc_is_read_on_Windows()
        {
            var env = WindowsEnvWithProject();
            env.Files[@"C:\Users\tester\_netrc"] = "machine api.wandb.ai password win-key";
            var resolved = ConnectionResolver.Resolve(new ConnectionRequest(), null, env);
            Assert.Equal("win-key", resolved.ApiKey.Reveal());
            Assert.Equal(@"the netrc file C:\Users\tester\_netrc (machine api.wandb.ai)", resolved.KeySourceDescription);
        }

        [Fact]
        public void On_Windows_dot_netrc_is_read_before_underscore_netrc()
        {
            var env = WindowsEnvWithProject();
            env.Files[@"C:\Users\tester\.netrc"] = "machine api.wandb.ai password dot-key";
            env.Files[@"C:\Users\tester\_netrc"] = "machine api.wandb.ai password underscore-key";
            Assert.Equal("dot-key", ConnectionResolver.Resolve(new ConnectionRequest(), null, env).ApiKey.Reveal());
        }

        [Fact]
        public void Underscore_netrc_is_not_looked_for_elsewhere()
        {
            var env = EnvWithProject();
            env.Files["/home/tester/_netrc"] = "machine api.wandb.ai password linux-underscore";
            Assert.Equal("MissingApiKey", Assert.Throws<WeaveConfigurationException>(() => ConnectionResolver.Resolve(new ConnectionRequest(), null, env)).ErrorId);
        }

        [Theory]
        [InlineData(@"%USERPROFILE%\keys\wandb.netrc", @"C:\Users\tester\keys\wandb.netrc")]
        [InlineData(@"%userprofile%\keys\wandb.netrc", @"C:\Users\tester\keys\wandb.netrc")]
        [InlineData(@"~\keys\wandb.netrc", @"C:\Users\tester\keys\wandb.netrc")]
        [InlineData(@"%KEYS%\%NOT_SET%\wandb.netrc", @"D:\keys\%NOT_SET%\wandb.netrc")]
        public void NETRC_on_Windows_expands_variables_and_the_home_tilde(string netrc, string expectedPath)
        {
            var env = WindowsEnvWithProject();
            env.Variables["USERPROFILE"] = @"C:\Users\tester";
            env.Variables["userprofile"] = @"C:\Users\tester";
            env.Variables["KEYS"] = @"D:\keys";
            env.Variables["NETRC"] = netrc;
            env.Files[expectedPath] = "machine api.wandb.ai password from-netrc-variable";
            var resolved = ConnectionResolver.Resolve(new ConnectionRequest(), null, env);
            Assert.Equal("from-netrc-variable", resolved.ApiKey.Reveal());
            Assert.Equal($"the netrc file {expectedPath} (machine api.wandb.ai)", resolved.KeySourceDescription);
        }

        [Fact]
        public void NETRC_percent_signs_are_literal_outside_Windows()
        {
            var env = EnvWithProject();
            env.Variables["HOME_KEYS"] = "/srv/keys";
            env.Variables["NETRC"] = "%HOME_KEYS%/netrc";
            env.Files["%HOME_KEYS%/netrc"] = "machine api.wandb.ai password literal";
            Assert.Equal("literal", ConnectionResolver.Resolve(new ConnectionRequest(), null, env).ApiKey.Reveal());
        }

        [Fact]
        public void Windows_home_is_USERPROFILE_then_HOMEDRIVE_HOMEPATH_never_HOME()
        {
            var env = new FakeEnvironment { IsWindows = true };
            env.Variables["HOME"] = "/c/msys/home/tester";
            Assert.Null(SystemEnvironment.HomeFromVariables(env));
            env.Variables["HOMEDRIVE"] = "H:";
            env.Variables["HOMEPATH"] = @"\profiles\svc-weave";
            Assert.Equal(@"H:\profiles\svc-weave", SystemEnvironment.HomeFromVariables(env));
            env.Variables["USERPROFILE"] = @"C:\Users\svc-weave";
            Assert.Equal(@"C:\Users\svc-weave", SystemEnvironment.HomeFromVariables(env));

            var unix = new FakeEnvironment();
            unix.Variables["USERPROFILE"] = @"C:\Users\nobody";
            unix.Variables["HOME"] = "/home/tester";
            Assert.Equal("/home/tester", SystemEnvironment.HomeFromVariables(unix));
        }

        [Fact]
        public void Netrc_parser_handles_quotes_comments_and_macdef()
        {
            var text = "# comment line\nmacdef init\nmachine api.wandb.ai password in-macro\n\nmachine api.wandb.ai login \"my user\" password \"quoted key\" account acct\n";
            var entry = Netrc.Find(text, "api.wandb.ai");
            Assert.NotNull(entry);
            Assert.Equal("my user", entry!.Login);
            Assert.Equal("quoted key", entry.Password);
        }

        [Fact]
        public void Missing_key_names_every_way_to_set_it_and_the_cloud_netrc_machine()
        {
            var error = Assert.Throws<WeaveConfigurationException>(() => ConnectionResolver.Resolve(new ConnectionRequest(), null, EnvWithProject()));
            Assert.Equal("MissingApiKey", error.ErrorId);
            Assert.Equal(WeaveErrorKind.Configuration, error.Kind);
            Assert.Equal(
                "No W&B API key found. Pass -ApiKey or -Credential, run Connect-Weave with a key, set $env:WANDB_API_KEY, or add " +
                "'machine api.wandb.ai login user password <key>' (W&B's cloud; set $env:WANDB_BASE_URL for another W&B server) to /home/tester/.netrc.",
                error.Message);
        }

        [Theory]
        [InlineData("https://acme.wandb.io", "machine acme.wandb.io")]
        [InlineData("https://acme.wandb.io:8443/", "machine acme.wandb.io:8443")]
        [InlineData("http://localhost:8080", "machine localhost:8080")]
        public void Missing_key_names_the_netrc_machine_of_the_server_in_use(string wandbBaseUrl, string machine)
        {
            var env = WindowsEnvWithProject();
            env.Variables["WANDB_BASE_URL"] = wandbBaseUrl;
            var error = Assert.Throws<WeaveConfigurationException>(() => ConnectionResolver.Resolve(new ConnectionRequest(), null, env));
            Assert.Equal("MissingApiKey", error.ErrorId);
            Assert.EndsWith(
                $"or add '{machine} login user password <key>' (the host of $env:WANDB_BASE_URL) to C:\\Users\\tester\\.netrc, C:\\Users\\tester\\_netrc.",
                error.Message);
        }

        [Fact]
        public void Missing_entity_names_both_ways_to_set_it()
        {
            var env = new FakeEnvironment();
            env.Variables["WANDB_API_KEY"] = "k";
            var error = Assert.Throws<WeaveConfigurationException>(() => ConnectionResolver.Resolve(new ConnectionRequest { Project = "p" }, null, env));
            Assert.Equal("MissingEntityOrProject", error.ErrorId);
            Assert.Contains("-Entity", error.Message);
            Assert.Contains("WANDB_ENTITY", error.Message);
        }

        [Theory]
        [InlineData("a/b")]
        [InlineData("a?b")]
        [InlineData("a#b")]
        [InlineData("..")]
        [InlineData(".")]
        [InlineData("a\nb")]
        [InlineData(" ")]
        public void Entity_must_be_one_path_segment(string entity)
        {
            var env = EnvWithProject();
            env.Variables["WANDB_API_KEY"] = "k";
            var error = Assert.Throws<WeaveConfigurationException>(() => ConnectionResolver.Resolve(new ConnectionRequest { Entity = entity, Project = "p" }, null, env));
            Assert.Equal(WeaveErrorKind.InvalidArgument, error.Kind);
        }

        [Theory]
        [InlineData(null, null, "https://trace.wandb.ai/")]
        [InlineData(null, "https://api.wandb.ai/", "https://trace.wandb.ai/")]
        [InlineData(null, "https://acme.wandb.io", "https://acme.wandb.io/traces/")]
        [InlineData(null, "https://wandb.corp.example/base/", "https://wandb.corp.example/base/traces/")]
        [InlineData("http://127.0.0.1:5555", "https://acme.wandb.io", "http://127.0.0.1:5555/")]
        public void Trace_server_comes_from_WF_TRACE_SERVER_URL_or_is_derived(string? traceServer, string? wandbBase, string expected)
        {
            var env = EnvWithProject();
            env.Variables["WANDB_API_KEY"] = "k";
            if (traceServer != null) env.Variables["WF_TRACE_SERVER_URL"] = traceServer;
            if (wandbBase != null) env.Variables["WANDB_BASE_URL"] = wandbBase;
            Assert.Equal(expected, ConnectionResolver.Resolve(new ConnectionRequest(), null, env).BaseUri.AbsoluteUri);
        }

        [Fact]
        public void Plain_http_to_a_remote_host_is_refused_unless_allowed()
        {
            var env = EnvWithProject();
            env.Variables["WANDB_API_KEY"] = "k";
            var request = new ConnectionRequest { BaseUri = new Uri("http://weave.example.test") };
            var error = Assert.Throws<WeaveConfigurationException>(() => ConnectionResolver.Resolve(request, null, env));
            Assert.Equal("UnencryptedConnectionRefused", error.ErrorId);

            request.AllowUnencryptedAuthentication = true;
            Assert.Equal("http://weave.example.test/", ConnectionResolver.Resolve(request, null, env).BaseUri.AbsoluteUri);

            var loopback = new ConnectionRequest { BaseUri = new Uri("http://localhost:5555") };
            Assert.True(ConnectionResolver.Resolve(loopback, null, env).BaseUri.IsLoopback);
        }

        [Fact]
        public void Invalid_base_uri_is_a_configuration_error()
        {
            var env = EnvWithProject();
            env.Variables["WANDB_API_KEY"] = "k";
            env.Variables["WF_TRACE_SERVER_URL"] = "ftp://x";
            Assert.Equal("InvalidBaseUri", Assert.Throws<WeaveConfigurationException>(() => ConnectionResolver.Resolve(new ConnectionRequest(), null, env)).ErrorId);
        }

        [Fact]
        public void Keys_of_any_shape_are_accepted()
        {
            foreach (var key in new[] { new string('a', 40), "wandb_v1_" + new string('b', 77), "local-123", "x" })
            {
                var resolved = ConnectionResolver.Resolve(new ConnectionRequest { ApiKey = new ApiKey(key) }, null, EnvWithProject());
                Assert.Equal(key, resolved.ApiKey.Reveal());
            }
        }

        [Fact]
        public void Transport_options_of_the_request_override_the_session()
        {
            var session = new WeaveSession { Transport = TransportOptions.Default.WithMaximumRetryCount(9) };
            var request = new ConnectionRequest { ApiKey = new ApiKey("k"), TimeoutSec = 7, RetryIntervalSec = 0.5 };
            var resolved = ConnectionResolver.Resolve(request, session, EnvWithProject());
            Assert.Equal(9, resolved.Transport.MaximumRetryCount);
            Assert.Equal(TimeSpan.FromSeconds(7), resolved.Transport.Timeout);
            Assert.Equal(TimeSpan.FromSeconds(0.5), resolved.Transport.RetryInterval);
        }
    }
}
