using System;
using System.Net;
using WeaveEval.Loading;

namespace WeaveEval.Client
{
    /// <summary>
    /// Makes sure Windows PowerShell (.NET Framework) offers TLS 1.2, which W&amp;B requires. powershell.exe targets an
    /// old framework version, so unless the machine's registry says otherwise its process-wide
    /// <see cref="ServicePointManager.SecurityProtocol"/> is Ssl3|Tls (TLS 1.0 only), and every request would fail the
    /// handshake. On .NET (PowerShell 7) HttpClient ignores that setting and the OS chooses, so nothing is done there.
    /// </summary>
    internal static class TlsProtocols
    {
        private const SecurityProtocolType SystemDefault = 0;
        private const SecurityProtocolType Tls13 = (SecurityProtocolType)12288;

        /// <summary>Windows Server 2022 (build 20348) is the first Windows whose TLS stack enables TLS 1.3 for clients.</summary>
        private const int FirstWindowsBuildWithTls13 = 20348;

        private static readonly object Gate = new object();

        /// <summary>Applies <see cref="Widen"/> to the process setting; called once per shared HttpClient.</summary>
        public static void EnsureModernProtocols()
        {
            if (!Runtime.IsNetFramework) return;
            lock (Gate)
            {
                var widened = Widen(
                    ServicePointManager.SecurityProtocol,
                    Enum.IsDefined(typeof(SecurityProtocolType), Tls13),
                    Environment.OSVersion.Platform == PlatformID.Win32NT && Environment.OSVersion.Version.Build >= FirstWindowsBuildWithTls13);
                if (widened.HasValue) ServicePointManager.SecurityProtocol = widened.Value;
            }
        }

        /// <summary>
        /// The protocol set to switch to, or null to leave <paramref name="current"/> as it is. SystemDefault stays: it
        /// lets Windows choose (TLS 1.2 and, where the OS has it, 1.3), and an explicit list would take that choice away.
        /// An explicit set only gains protocols: TLS 1.2 always, TLS 1.3 when both the framework's enum and the OS have
        /// it (asking an older TLS stack for 1.3 can make every handshake fail); what the session enabled stays enabled.
        /// </summary>
        public static SecurityProtocolType? Widen(SecurityProtocolType current, bool frameworkHasTls13, bool osHasTls13)
        {
            if (current == SystemDefault) return null;
            var wanted = current | SecurityProtocolType.Tls12;
            if (frameworkHasTls13 && osHasTls13) wanted |= Tls13;
            return wanted == current ? (SecurityProtocolType?)null : wanted;
        }
    }
}
