using System;
using System.IO;
using System.Runtime.InteropServices;

namespace WeaveEval.Client
{
    /// <summary>The process environment as connection resolution sees it (tests pass a fake).</summary>
    public interface IEnvironment
    {
        string? GetVariable(string name);

        string? HomeDirectory { get; }

        bool IsWindows { get; }

        /// <summary>The file's text, or null when the file does not exist.</summary>
        string? ReadAllText(string path);
    }

    /// <summary>The real environment of the process.</summary>
    public sealed class SystemEnvironment : IEnvironment
    {
        public static readonly SystemEnvironment Instance = new SystemEnvironment();

        public string? GetVariable(string name) => System.Environment.GetEnvironmentVariable(name);

        public string? HomeDirectory
        {
            get
            {
                var home = HomeFromVariables(this) ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
                return string.IsNullOrEmpty(home) ? null : home;
            }
        }

        /// <summary>
        /// The home directory as the W&amp;B SDK (Python's expanduser) finds it: on Windows %USERPROFILE%, else
        /// %HOMEDRIVE%%HOMEPATH% (a scheduled task's account may have only those); elsewhere $HOME. Null when unset.
        /// </summary>
        internal static string? HomeFromVariables(IEnvironment env)
        {
            if (!env.IsWindows) return NonEmpty(env.GetVariable("HOME"));
            var profile = NonEmpty(env.GetVariable("USERPROFILE"));
            if (profile != null) return profile;
            var drive = NonEmpty(env.GetVariable("HOMEDRIVE"));
            var path = NonEmpty(env.GetVariable("HOMEPATH"));
            return path == null ? null : (drive ?? string.Empty) + path;
        }

        private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

        public bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        public string? ReadAllText(string path)
        {
            try
            {
                return File.Exists(path) ? File.ReadAllText(path) : null;
            }
            catch (FileNotFoundException)
            {
                return null;
            }
            catch (DirectoryNotFoundException)
            {
                return null;
            }
        }
    }
}
