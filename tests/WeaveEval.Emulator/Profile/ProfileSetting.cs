using System;
using System.Threading;

namespace WeaveEval.Emulator.Profile
{
    /// <summary>The running server's current <see cref="ServerProfile"/>, read by every request and replaced by the admin route.</summary>
    internal sealed class ProfileSetting
    {
        private ServerProfile current;

        public ProfileSetting(ServerProfile initial)
        {
            current = initial.Validated();
        }

        public ServerProfile Current
        {
            get => Volatile.Read(ref current);
            set => Volatile.Write(ref current, (value ?? throw new ArgumentNullException(nameof(value))).Validated());
        }
    }
}
