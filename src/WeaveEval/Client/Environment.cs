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
                var home = IsWindows ? GetVariable("USERPROFILE") : GetVariable("HOME");
                if (string.IsNullOrEmpty(home)) home = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
                return string.IsNullOrEmpty(home) ? null : home;
            }
        }

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
