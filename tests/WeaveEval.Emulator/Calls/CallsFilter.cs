using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Calls
{
    /// <summary>
    /// <c>CallsFilter</c>: values OR-ed within a field, fields AND-ed. Empty lists mean
    /// "not set" except <c>thread_ids</c> (matches nothing) and <c>turn_ids</c> (matches nothing once
    /// any other field is set).
    /// </summary>
    internal sealed class CallsFilter
    {
        private const string VersionWildcard = ":*";

        private List<string>? opNames;
        private HashSet<string>? inputRefs;
        private HashSet<string>? outputRefs;
        private HashSet<string>? parentIds;
        private HashSet<string>? traceIds;
        private HashSet<string>? callIds;
        private HashSet<string>? threadIds;
        private HashSet<string>? turnIds;
        private HashSet<string>? wbUserIds;
        private HashSet<string>? wbRunIds;
        private bool traceRootsOnly;
        private bool matchesNothing;

        public static CallsFilter Read(JsonElement json, List<ValidationError> errors)
        {
            var filter = new CallsFilter();
            if (json.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new ValidationError("model_attributes_type", ValidationError.Loc("body", "filter"), "Input should be a valid dictionary or object to extract fields from", JsonNode.Parse(json.GetRawText())));
                return filter;
            }

            List<string>? List(string name, bool capped = true)
            {
                if (!json.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
                var values = CallsQueryRequest.ReadStrings(value, errors, "filter", name);
                if (capped) CallsQueryRequest.CheckLength(name, values);
                return values;
            }
            static HashSet<string>? NonEmpty(List<string>? values) => values is { Count: > 0 } ? values.ToHashSet(StringComparer.Ordinal) : null;

            filter.opNames = List("op_names") is { Count: > 0 } ops ? ops : null;
            filter.inputRefs = NonEmpty(List("input_refs"));
            filter.outputRefs = NonEmpty(List("output_refs"));
            filter.parentIds = NonEmpty(List("parent_ids"));
            filter.traceIds = NonEmpty(List("trace_ids"));
            filter.callIds = NonEmpty(List("call_ids"));
            var threads = List("thread_ids");
            var turns = List("turn_ids");
            filter.threadIds = NonEmpty(threads);
            filter.turnIds = NonEmpty(turns);
            filter.wbUserIds = NonEmpty(List("wb_user_ids", capped: false));
            filter.wbRunIds = NonEmpty(List("wb_run_ids"));
            if (json.TryGetProperty("trace_roots_only", out var roots))
            {
                if (roots.ValueKind is JsonValueKind.True or JsonValueKind.False) filter.traceRootsOnly = roots.GetBoolean();
                else if (roots.ValueKind != JsonValueKind.Null) errors.Add(new ValidationError("bool_type", ValidationError.Loc("body", "filter", "trace_roots_only"), "Input should be a valid boolean", JsonNode.Parse(roots.GetRawText())));
            }

            var anyOtherFieldSet = filter.opNames is not null || filter.inputRefs is not null || filter.outputRefs is not null || filter.parentIds is not null
                || filter.traceIds is not null || filter.callIds is not null || filter.threadIds is not null || filter.wbUserIds is not null
                || filter.wbRunIds is not null || filter.traceRootsOnly;
            filter.matchesNothing = threads is { Count: 0 } || (turns is { Count: 0 } && anyOtherFieldSet);
            return filter;
        }

        /// <summary>
        /// The calls that can match: with an op filter only those of matching ops (through the store's op
        /// index, so listing runs does not scan every trial), otherwise every live call of the project.
        /// </summary>
        public IEnumerable<CallRecord> Candidates(EmulatorStore store, string projectId)
        {
            if (matchesNothing) return Array.Empty<CallRecord>();
            if (opNames is null) return store.Calls(projectId);
            return store.OpNames(projectId)
                .Where(op => opNames.Any(wanted => OpNameMatches(op, wanted)))
                .SelectMany(op => store.CallsOfOp(projectId, op));
        }

        /// <summary>True when nothing narrows the selection (used by query_stats' special cases).</summary>
        public bool IsEmpty => !matchesNothing && opNames is null && inputRefs is null && outputRefs is null && parentIds is null && traceIds is null
            && callIds is null && threadIds is null && turnIds is null && wbUserIds is null && wbRunIds is null && !traceRootsOnly;

        public bool Matches(CallRecord call, string projectId)
        {
            if (matchesNothing) return false;
            if (traceRootsOnly && call.ParentId is not null) return false;
            if (callIds is not null && !callIds.Contains(call.Id)) return false;
            if (parentIds is not null && (call.ParentId is null || !parentIds.Contains(call.ParentId))) return false;
            if (traceIds is not null && !traceIds.Contains(call.TraceId)) return false;
            if (threadIds is not null && (call.ThreadId is null || !threadIds.Contains(call.ThreadId))) return false;
            if (turnIds is not null && (call.TurnId is null || !turnIds.Contains(call.TurnId))) return false;
            if (wbUserIds is not null && (call.WbUserId is null || !wbUserIds.Contains(call.WbUserId))) return false;
            if (wbRunIds is not null && (call.WbRunId is null || !(wbRunIds.Contains(call.WbRunId) || wbRunIds.Contains(BareRunId(call.WbRunId, projectId))))) return false;
            if (opNames is not null && !opNames.Any(name => OpNameMatches(call.OpName, name))) return false;
            if (inputRefs is not null && !CallFields.RefsIn(call.Inputs).Any(inputRefs.Contains)) return false;
            if (outputRefs is not null && !CallFields.RefsIn(call.Output).Any(outputRefs.Contains)) return false;
            return true;
        }

        /// <summary>A trailing <c>:*</c> is a version wildcard (prefix match on what precedes the <c>*</c>); anything else is exact.</summary>
        public static bool OpNameMatches(string opName, string wanted) =>
            wanted.EndsWith(VersionWildcard, StringComparison.Ordinal)
                ? opName.StartsWith(wanted.Substring(0, wanted.Length - 1), StringComparison.Ordinal)
                : string.Equals(opName, wanted, StringComparison.Ordinal);

        /// <summary>A bare run id in the filter is qualified with the queried project by the server; comparing the bare tail is the same test.</summary>
        private static string BareRunId(string storedRunId, string projectId) =>
            storedRunId.StartsWith(projectId + "/", StringComparison.Ordinal) ? storedRunId.Substring(projectId.Length + 1) : storedRunId;
    }
}
