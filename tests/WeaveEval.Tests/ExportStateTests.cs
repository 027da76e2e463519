using System;
using System.IO;
using System.Linq;
using WeaveEval.Client;

namespace WeaveEval.Tests
{
    /// <summary>
    /// The incremental export's state: which runs are due, how the watermark moves, and that a state file
    /// of another project or in another format is refused before anything changes.
    /// </summary>
    public class ExportStateTests
    {
        private static readonly DateTime Noon = new DateTime(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);

        private static EvaluationRun Run(string id, DateTime? finished, string status = "completed") =>
            new EvaluationRun { EvaluationRunId = id, FinishedAt = finished, Status = finished.HasValue ? status : "running" };

        [Fact]
        public void A_new_state_makes_every_finished_run_due_and_no_running_one()
        {
            var state = ExportState.Start("acme-ai", "support-bot", since: null);

            Assert.True(state.IsDue(Run("done", Noon)));
            Assert.True(state.IsDue(Run("failed", Noon, "failed")));
            Assert.False(state.IsDue(Run("running", null)));
        }

        [Fact]
        public void Since_bounds_the_first_export_and_every_later_one()
        {
            var state = ExportState.Start("acme-ai", "support-bot", Noon);
            Assert.False(state.IsDue(Run("before", Noon.AddMilliseconds(-1))));
            Assert.True(state.IsDue(Run("at", Noon)));

            state.Record("at", Noon, advance: true);
            // Listed again from a day before the watermark, but never from before -Since.
            Assert.False(state.IsDue(Run("before", Noon.AddMilliseconds(-1))));
        }

        [Fact]
        public void Runs_on_either_side_of_the_watermark_in_the_same_second_are_due_once()
        {
            var state = ExportState.Start("acme-ai", "support-bot", since: null);
            state.Record("exported", Noon.AddMilliseconds(500), advance: true);

            Assert.Equal(Noon.AddMilliseconds(500), state.Watermark);
            Assert.False(state.IsDue(Run("exported", Noon.AddMilliseconds(500))));
            Assert.True(state.IsDue(Run("ended-late", Noon.AddMilliseconds(200))));
            Assert.True(state.IsDue(Run("tie", Noon.AddMilliseconds(500))));
            Assert.False(state.IsDue(Run("long-ago", Noon.AddDays(-2))));
        }

        [Fact]
        public void The_watermark_stays_below_a_failed_run_and_later_exports_stay_recorded()
        {
            var state = ExportState.Start("acme-ai", "support-bot", since: null);
            state.Record("first", Noon, advance: true);
            // The run finished at Noon + 1 h failed; the one after it was exported.
            state.Record("third", Noon.AddHours(2), advance: false);

            Assert.Equal(Noon, state.Watermark);
            Assert.True(state.IsDue(Run("second", Noon.AddHours(1))));
            Assert.False(state.IsDue(Run("third", Noon.AddHours(2))));
        }

        [Fact]
        public void Ids_older_than_the_overlap_are_dropped_and_the_rest_survive_a_save()
        {
            using var folder = new ScratchFolder();
            var path = folder.Combine("state.json");
            var state = ExportState.Start("acme-ai", "support-bot", since: null);
            state.Record("old", Noon, advance: true);
            state.Record("recent", Noon.AddDays(2), advance: true);
            state.Save(path);

            var loaded = ExportState.Load(path, "acme-ai", "support-bot")!;
            Assert.Equal(new[] { "recent" }, loaded.Exported.Select(e => e.Key));
            Assert.Equal(Noon.AddDays(2), loaded.Watermark);
            Assert.False(loaded.IsDue(Run("recent", Noon.AddDays(2))));
            Assert.False(loaded.IsDue(Run("old", Noon)));
        }

        [Fact]
        public void A_missing_state_file_is_no_state()
        {
            using var folder = new ScratchFolder();
            Assert.Null(ExportState.Load(folder.Combine("none.json"), "acme-ai", "support-bot"));
        }

        [Theory]
        [InlineData("{\"formatVersion\": 1, \"entity\": \"acme-ai\"")]
        [InlineData("[]")]
        [InlineData("{\"formatVersion\": 2, \"entity\": \"acme-ai\", \"project\": \"support-bot\", \"watermark\": null, \"exported\": []}")]
        [InlineData("{\"formatVersion\": 1, \"entity\": \"acme-ai\", \"project\": \"support-bot\", \"watermark\": \"yesterday\", \"exported\": []}")]
        [InlineData("{\"formatVersion\": 1, \"entity\": \"acme-ai\", \"project\": \"support-bot\", \"watermark\": null, \"exported\": [{\"evaluationRunId\": \"a\"}]}")]
        public void A_file_that_is_not_a_state_file_is_InvalidStateFile_and_stays_as_it_was(string text)
        {
            using var folder = new ScratchFolder();
            var path = folder.Combine("state.json");
            File.WriteAllText(path, text);

            var error = Assert.Throws<WeaveException>(() => ExportState.Load(path, "acme-ai", "support-bot"));

            Assert.Equal("InvalidStateFile", error.ErrorId);
            Assert.Equal(WeaveErrorKind.InvalidData, error.Kind);
            Assert.Contains(path, error.Message);
            Assert.Equal(text, File.ReadAllText(path));
        }

        [Fact]
        public void The_state_file_of_another_project_is_StateFileProjectMismatch()
        {
            using var folder = new ScratchFolder();
            var path = folder.Combine("state.json");
            ExportState.Start("acme-ai", "helpdesk-bot", since: null).Save(path);

            var error = Assert.Throws<WeaveException>(() => ExportState.Load(path, "acme-ai", "support-bot"));

            Assert.Equal("StateFileProjectMismatch", error.ErrorId);
            Assert.Contains("acme-ai/helpdesk-bot, not acme-ai/support-bot", error.Message);
        }
    }
}
