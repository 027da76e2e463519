using System;
using System.Collections.Generic;
using System.Text;

namespace WeaveEval.Client
{
    /// <summary>
    /// The netrc file: where it is looked for, and a minimal reader (machine/default entries with login, password and
    /// account; macdef bodies skipped).
    /// </summary>
    internal static class Netrc
    {
        internal sealed class Entry
        {
            public string? Machine;
            public bool IsDefault;
            public string? Login;
            public string? Password;
        }

        /// <summary>
        /// The entry for <paramref name="machineWithPort"/> (when given) or <paramref name="machine"/> (host names
        /// compare case-insensitively), else the default entry, else null.
        /// </summary>
        public static Entry? Find(string text, string machine, string? machineWithPort = null)
        {
            var entries = Parse(text);
            foreach (var wanted in new[] { machineWithPort, machine })
            {
                if (wanted == null) continue;
                var match = entries.Find(e => !e.IsDefault && string.Equals(e.Machine, wanted, StringComparison.OrdinalIgnoreCase));
                if (match != null) return match;
            }
            return entries.Find(e => e.IsDefault);
        }

        public static List<Entry> Parse(string text)
        {
            var entries = new List<Entry>();
            var tokens = new Tokenizer(text);
            Entry? current = null;
            while (tokens.Next(out var token))
            {
                switch (token)
                {
                    case "machine":
                        current = new Entry { Machine = tokens.Next(out var name) ? name : string.Empty };
                        entries.Add(current);
                        break;
                    case "default":
                        current = new Entry { IsDefault = true };
                        entries.Add(current);
                        break;
                    case "login":
                        if (tokens.Next(out var login) && current != null) current.Login = login;
                        break;
                    case "password":
                        if (tokens.Next(out var password) && current != null) current.Password = password;
                        break;
                    case "account":
                        tokens.Next(out _);
                        break;
                    case "macdef":
                        tokens.Next(out _);
                        tokens.SkipMacroBody();
                        current = null;
                        break;
                }
            }
            return entries;
        }

        private sealed class Tokenizer
        {
            private readonly string text;
            private int position;

            public Tokenizer(string text) { this.text = text; }

            public bool Next(out string token)
            {
                token = string.Empty;
                while (true)
                {
                    while (position < text.Length && char.IsWhiteSpace(text[position])) position++;
                    if (position >= text.Length) return false;
                    if (text[position] == '#' && (position == 0 || text[position - 1] == '\n' || char.IsWhiteSpace(text[position - 1])))
                    {
                        while (position < text.Length && text[position] != '\n') position++;
                        continue;
                    }
                    break;
                }

                var builder = new System.Text.StringBuilder();
                if (text[position] == '"')
                {
                    position++;
                    while (position < text.Length && text[position] != '"')
                    {
                        if (text[position] == '\\' && position + 1 < text.Length) position++;
                        builder.Append(text[position++]);
                    }
                    position++;
                }
                else
                {
                    while (position < text.Length && !char.IsWhiteSpace(text[position]))
                    {
                        if (text[position] == '\\' && position + 1 < text.Length) position++;
                        builder.Append(text[position++]);
                    }
                }
                token = builder.ToString();
                return true;
            }

            /// <summary>A macro body runs to the next empty line.</summary>
            public void SkipMacroBody()
            {
                while (position < text.Length && text[position] != '\n') position++;
                while (position < text.Length)
                {
                    position++;
                    var lineStart = position;
                    while (position < text.Length && text[position] != '\n') position++;
                    if (text.Substring(lineStart, position - lineStart).Trim().Length == 0) return;
                }
            }
        }

        /// <summary>
        /// $env:NETRC (with ~ and, on Windows, %VARIABLE% references expanded), then ~/.netrc, then on Windows ~/_netrc
        /// (the name Windows tools write, since a leading dot was long awkward there). Paths use the separator of the
        /// environment's platform.
        /// </summary>
        public static IEnumerable<string> Candidates(IEnvironment env)
        {
            var explicitPath = env.GetVariable("NETRC");
            if (!string.IsNullOrWhiteSpace(explicitPath)) yield return Expand(explicitPath!.Trim(), env);
            var home = env.HomeDirectory;
            if (string.IsNullOrEmpty(home)) yield break;
            yield return Join(home!, ".netrc", env.IsWindows);
            if (env.IsWindows) yield return Join(home!, "_netrc", env.IsWindows);
        }

        private static string Expand(string path, IEnvironment env)
        {
            if (env.IsWindows) path = ExpandWindowsVariables(path, env);
            var home = env.HomeDirectory;
            if (home == null) return path;
            if (path == "~") return home;
            if (path.StartsWith("~/", StringComparison.Ordinal) || (env.IsWindows && path.StartsWith("~\\", StringComparison.Ordinal)))
            {
                return Join(home, path.Substring(2), env.IsWindows);
            }
            return path;
        }

        /// <summary>%NAME% references replaced by the variable's value, as cmd.exe does; unknown names stay as written.</summary>
        internal static string ExpandWindowsVariables(string text, IEnvironment env)
        {
            var result = new StringBuilder(text.Length);
            var position = 0;
            while (position < text.Length)
            {
                var open = text.IndexOf('%', position);
                var close = open < 0 ? -1 : text.IndexOf('%', open + 1);
                if (close < 0)
                {
                    result.Append(text, position, text.Length - position);
                    break;
                }
                result.Append(text, position, open - position);
                var name = text.Substring(open + 1, close - open - 1);
                var value = name.Length == 0 ? null : env.GetVariable(name);
                if (value != null)
                {
                    result.Append(value);
                    position = close + 1;
                }
                else
                {
                    result.Append('%').Append(name);
                    position = close;
                }
            }
            return result.ToString();
        }

        private static string Join(string directory, string name, bool isWindows)
        {
            var separator = isWindows ? '\\' : '/';
            var last = directory[directory.Length - 1];
            if (last == separator || last == '/') return directory + name;
            return directory + separator + name;
        }
    }
}
