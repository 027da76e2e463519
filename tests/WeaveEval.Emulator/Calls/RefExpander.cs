using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Store;

namespace WeaveEval.Emulator.Calls
{
    /// <summary>
    /// <c>expand_columns</c>: an object ref found at one of the dotted paths is replaced by
    /// the stored object plus <c>"_ref"</c>; shallower paths first, so deeper ones can follow refs inside
    /// resolved objects. Refs that do not resolve (op refs, unknown objects) stay strings.
    /// </summary>
    internal sealed class RefExpander
    {
        private readonly EmulatorStore store;
        private readonly Dictionary<string, List<string[]>> pathsByColumn;

        public RefExpander(EmulatorStore store, IEnumerable<string> paths)
        {
            this.store = store;
            pathsByColumn = paths
                .Select(path => path.Split('.'))
                .Where(parts => parts.Length > 1)
                .OrderBy(parts => parts.Length)
                .GroupBy(parts => parts[0])
                .ToDictionary(group => group.Key, group => group.Select(parts => parts.Skip(1).ToArray()).ToList());
        }

        public byte[] Expand(string column, byte[] json)
        {
            if (!pathsByColumn.TryGetValue(column, out var paths)) return json;
            var root = JsonNode.Parse(json);
            var changed = false;
            foreach (var path in paths)
            {
                var parent = root;
                for (var i = 0; i < path.Length - 1 && parent is not null; i++) parent = parent is JsonObject obj ? obj[path[i]] : null;
                if (parent is not JsonObject container || container[path[^1]] is not JsonValue value || !value.TryGetValue(out string? reference)) continue;
                if (Resolve(reference) is { } resolved)
                {
                    container[path[^1]] = resolved;
                    changed = true;
                }
            }
            return changed ? Json.Bytes(root) : json;
        }

        /// <summary><c>weave:///entity/project/object/name:version</c> → the object's value with <c>_ref</c>, or null.</summary>
        private JsonObject? Resolve(string reference)
        {
            if (!reference.StartsWith(Refs.Scheme, StringComparison.Ordinal)) return null;
            var parts = reference.Substring(Refs.Scheme.Length).Split('/');
            if (parts.Length != 4 || parts[2] != "object") return null;
            var colon = parts[3].IndexOf(':');
            if (colon < 0) return null;
            var found = store.ResolveObject($"{parts[0]}/{parts[1]}", parts[3].Substring(0, colon), parts[3].Substring(colon + 1));
            if (found is null || found.DeletedAt is not null || JsonNode.Parse(found.Value) is not JsonObject value) return null;
            value["_ref"] = reference;
            return value;
        }
    }
}
