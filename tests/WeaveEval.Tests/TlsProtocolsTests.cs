using System.Net;
using WeaveEval.Client;

namespace WeaveEval.Tests
{
    /// <summary>The TLS decision for Windows PowerShell, as a pure function (the process setting itself only exists there).</summary>
    public class TlsProtocolsTests
    {
        private const SecurityProtocolType SystemDefault = 0;
        private const SecurityProtocolType Tls13 = (SecurityProtocolType)12288;
#pragma warning disable CS0618 // Ssl3 and TLS 1.0/1.1 are obsolete; they are what Windows PowerShell starts with.
        private const SecurityProtocolType WindowsPowerShellDefault = SecurityProtocolType.Ssl3 | SecurityProtocolType.Tls;
        private const SecurityProtocolType Tls11 = SecurityProtocolType.Tls11;
#pragma warning restore CS0618

        [Fact]
        public void SystemDefault_is_left_to_the_operating_system()
        {
            Assert.Null(TlsProtocols.Widen(SystemDefault, frameworkHasTls13: true, osHasTls13: true));
            Assert.Null(TlsProtocols.Widen(SystemDefault, frameworkHasTls13: false, osHasTls13: false));
        }

        [Fact]
        public void Windows_PowerShell_default_gains_TLS_1_2_and_keeps_what_the_session_had()
        {
            Assert.Equal(WindowsPowerShellDefault | SecurityProtocolType.Tls12, TlsProtocols.Widen(WindowsPowerShellDefault, frameworkHasTls13: false, osHasTls13: true));
            Assert.Equal(Tls11 | SecurityProtocolType.Tls12, TlsProtocols.Widen(Tls11, frameworkHasTls13: false, osHasTls13: false));
        }

        [Fact]
        public void TLS_1_3_is_added_only_where_both_framework_and_OS_have_it()
        {
            Assert.Equal(WindowsPowerShellDefault | SecurityProtocolType.Tls12 | Tls13, TlsProtocols.Widen(WindowsPowerShellDefault, frameworkHasTls13: true, osHasTls13: true));
            Assert.Equal(WindowsPowerShellDefault | SecurityProtocolType.Tls12, TlsProtocols.Widen(WindowsPowerShellDefault, frameworkHasTls13: true, osHasTls13: false));
        }

        [Fact]
        public void A_set_that_already_has_the_modern_protocols_is_not_touched()
        {
            Assert.Null(TlsProtocols.Widen(SecurityProtocolType.Tls12, frameworkHasTls13: false, osHasTls13: true));
            Assert.Null(TlsProtocols.Widen(SecurityProtocolType.Tls12 | Tls13, frameworkHasTls13: true, osHasTls13: true));
        }
    }
}
