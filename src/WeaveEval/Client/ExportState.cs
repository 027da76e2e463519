using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace WeaveEval.Client
{
    /// <summary>
    /// What an incremental export of one project has done, kept in its state file between scheduled runs:
    /// a watermark (the latest finish time up to which every finished run has been exported) and the runs
    /// exported that finished at or after the watermark minus <see cref="Overlap"/>.
    /// </summary>
    /// <remarks>
    /// A run is due when it has finished (completed or failed), finished at or after the lower bound
    /// (watermark − <see cref="Overlap"/>, and never before the first export's -Since) and is not among the
    /// recorded ones. Listing from before the watermark picks up runs whose finish becomes visible late
    /// (two runs ending in the same second on either side of the watermark, a server writing its end
    /// time late); the recorded ids keep those already exported from being exported again. Ids older than
    /// the lower bound can never be due again and are dropped, so the file stays small.
    /// </remarks>
    internal sealed class ExportState
    {
        public const int CurrentFormatVersion = 1;

        /// <summary>How far before the watermark runs are listed again (their ids are kept that long).</summary>
        public static readonly TimeSpan Overlap = TimeSpan.FromDays(1);

        private readonly Dictionary<string, DateTime> exported = new Dictionary<string, DateTime>(StringComparer.Ordinal);

        private ExportState(string entity, string project, DateTime? since, DateTime? watermark)
        {
            Entity = entity;
            Project = project;
            Since = since;
            Watermark = watermark;
        }

        public string Entity { get; }

        public string Project { get; }

        /// <summary>The first export's lower bound (-Since); null: every run.</summary>
        public DateTime? Since { get; }

        /// <summary>Every run that finished before this (and after <see cref="Since"/>) has been exported; null before the first one.</summary>
        public DateTime? Watermark { get; private set; }

        /// <summary>The ids recorded (run id → finish time), oldest first.</summary>
        public IEnumerable<KeyValuePair<string, DateTime>> Exported => exported.OrderBy(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal);

        public static ExportState Start(string entity, string project, DateTime? since) =>
            new ExportState(entity, project, since?.ToUniversalTime(), since?.ToUniversalTime());

        /// <summary>
        /// Reads a state file; null when it does not exist. A file that is not a state file of this format is
        /// <c>InvalidStateFile</c>; one of another project is <c>StateFileProjectMismatch</c>.
        /// </summary>
        public static ExportState? Load(string path, string entity, string project)
        {
            if (!File.Exists(path)) return null;
            ExportState state;
            try
            {
                byte[] bytes;
                using (var stream = AtomicFile.OpenRead(path))
                using (var copy = new MemoryStream())
                {
                    stream.CopyTo(copy);
                    bytes = copy.ToArray();
                }
                state = Parse(bytes);
            }
            catch (Exception e) when (e is JsonException || e is FormatException || e is InvalidOperationException || e is ArgumentException || e is KeyNotFoundException)
            {
                throw new WeaveException(
                    $"The state file '{path}' cannot be read: {e.Message} It was not changed; restore it from a backup, or delete it and give -Since to start again from a known time.",
                    "InvalidStateFile",
                    WeaveErrorKind.InvalidData,
                    e);
            }
            if (!string.Equals(state.Entity, entity, StringComparison.Ordinal) || !string.Equals(state.Project, project, StringComparison.Ordinal))
            {
                throw new WeaveException(
                    $"The state file '{path}' belongs to project {state.Entity}/{state.Project}, not {entity}/{project}. It was not changed; give each project a state file of its own.",
                    "StateFileProjectMismatch",
                    WeaveErrorKind.InvalidArgument);
            }
            return state;
        }

        /// <summary>A run that has finished, since the lower bound, and has not been exported yet.</summary>
        public bool IsDue(EvaluationRun run)
        {
            if (run.Status == "running" || !run.FinishedAt.HasValue) return false;
            var finished = run.FinishedAt.Value;
            if (Since.HasValue && finished < Since.Value) return false;
            if (Watermark.HasValue && finished < Watermark.Value - Overlap) return false;
            return !exported.ContainsKey(run.EvaluationRunId);
        }

        /// <summary>
        /// Records an exported run. <paramref name="advance"/> is false once a run of the same export has failed:
        /// the watermark then stays below the failed run, which is due again next time.
        /// </summary>
        public void Record(string runId, DateTime finishedAt, bool advance)
        {
            exported[runId] = finishedAt;
            if (advance && (!Watermark.HasValue || finishedAt > Watermark.Value)) Watermark = finishedAt;
            if (!Watermark.HasValue) return;
            var bound = Watermark.Value - Overlap;
            foreach (var old in exported.Where(e => e.Value < bound).Select(e => e.Key).ToList()) exported.Remove(old);
        }

        /// <summary>Writes the state atomically (readers see the old state or the new, never part of one).</summary>
        public void Save(string path)
        {
            using (var file = AtomicFile.Create(path))
            {
                using (var json = new Utf8JsonWriter(file.Stream, new JsonWriterOptions { Indented = true }))
                {
                    json.WriteStartObject();
                    json.WriteNumber("formatVersion", CurrentFormatVersion);
                    json.WriteString("entity", Entity);
                    json.WriteString("project", Project);
                    WriteTime(json, "since", Since);
                    WriteTime(json, "watermark", Watermark);
                    json.WriteStartArray("exported");
                    foreach (var run in Exported)
                    {
                        json.WriteStartObject();
                        json.WriteString("evaluationRunId", run.Key);
                        WriteTime(json, "finishedAt", run.Value);
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                file.Commit();
            }
        }

        private static ExportState Parse(byte[] bytes)
        {
            using (var document = JsonDocument.Parse(bytes))
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new FormatException("it is not a JSON object.");
                if (!root.TryGetProperty("formatVersion", out var version) || version.ValueKind != JsonValueKind.Number)
                {
                    throw new FormatException("it has no formatVersion.");
                }
                if (version.GetInt32() != CurrentFormatVersion)
                {
                    throw new FormatException($"its formatVersion {version.GetRawText()} is not {CurrentFormatVersion}, the one this module writes.");
                }
                var state = new ExportState(RequiredText(root, "entity"), RequiredText(root, "project"), Time(root, "since"), Time(root, "watermark"));
                if (!root.TryGetProperty("exported", out var runs) || runs.ValueKind != JsonValueKind.Array) throw new FormatException("it has no exported list.");
                foreach (var run in runs.EnumerateArray())
                {
                    var finished = Time(run, "finishedAt") ?? throw new FormatException("an exported run has no finishedAt.");
                    state.exported[RequiredText(run, "evaluationRunId")] = finished;
                }
                return state;
            }
        }

        private static string RequiredText(JsonElement element, string name)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(value.GetString()))
            {
                throw new FormatException($"it has no {name}.");
            }
            return value.GetString()!;
        }

        private static DateTime? Time(JsonElement element, string name)
        {
            if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind != JsonValueKind.String) throw new FormatException($"its {name} is not a time.");
            var text = value.GetString();
            if (!DateTime.TryParseExact(text, "o", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time) || time.Kind != DateTimeKind.Utc)
            {
                throw new FormatException($"its {name} '{text}' is not an ISO 8601 UTC time.");
            }
            return time;
        }

        private static void WriteTime(Utf8JsonWriter json, string name, DateTime? time)
        {
            if (time.HasValue) json.WriteString(name, time.Value.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
            else json.WriteNull(name);
        }
    }
}
