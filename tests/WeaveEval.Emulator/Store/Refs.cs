namespace WeaveEval.Emulator.Store
{
    /// <summary>Parsing of external weave refs (<c>weave:///entity/project/kind/name:version/…</c>).</summary>
    public static class Refs
    {
        public const string Scheme = "weave:///";

        /// <summary>Name part of an object or op ref (<c>GPT4oSupportModel</c>); the text itself when it is not a ref.</summary>
        public static string ShortName(string refOrName)
        {
            if (!refOrName.StartsWith(Scheme, System.StringComparison.Ordinal)) return refOrName;
            var parts = refOrName.Substring(Scheme.Length).Split('/');
            if (parts.Length < 4) return refOrName;
            var nameAndVersion = parts[3];
            var colon = nameAndVersion.IndexOf(':');
            return colon < 0 ? nameAndVersion : nameAndVersion.Substring(0, colon);
        }
    }
}
