using System;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using WeaveEval.Emulator.EvalResults;
using WeaveEval.Emulator.Seeding;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;
using static WeaveEval.Emulator.Tests.EvalResults.EvalResultsHarness;

namespace WeaveEval.Emulator.Tests.EvalResults
{
    public sealed class EvalResultsBehaviourTests
    {
        private const string Q1 = "39XFQ1BfHkDTyZH24XSl0S7NL9ZCYE4ew2oYtYYgLQA";
        private const string Q2 = "dXXCJUxZVXlVJj9SbjD6u2pNv0UU55noNHs8BSWIikY";
        private const string Q3 = "XohVTOjtcyXzVLeQ3CJwE2TipmqpRimL4wnmOwiqmzg";
        private static readonly string A = SupportBotScenario.RunA;
        private static readonly string B = SupportBotScenario.RunB;
        private static readonly string C = SupportBotScenario.RunC;

        private static string[] Digests(JsonObject response) =>
            response["rows"]!.AsArray().Select(r => (string)r!["row_digest"]!).ToArray();

        private static JsonObject FirstTrial(JsonObject response) =>
            response["rows"]![0]!["evaluations"]![0]!["trials"]![0]!.AsObject();

        [Fact]
        public async Task RequireIntersectionKeepsRowsPresentInEveryRun()
        {
            var store = SeededStore();

            var intersected = await QueryOkAsync(store, Body(Quote(A, B), "\"require_intersection\":true"));
            var union = await QueryOkAsync(store, Body(Quote(A, B)));

            Assert.Equal(new[] { Q1, Q2 }, Digests(intersected));
            Assert.Equal(2, (int)intersected["total_rows"]!);
            Assert.Equal(new[] { Q1, Q3, Q2 }, Digests(union));
            Assert.Single(union["rows"]![1]!["evaluations"]!.AsArray());
        }

        [Fact]
        public async Task IntersectionIsANoOpWithOneId()
        {
            var response = await QueryOkAsync(SeededStore(), Body(Quote(A, A), "\"require_intersection\":true,\"evaluation_run_ids\":[\"" + A + "\"]"));

            Assert.Equal(3, (int)response["total_rows"]!);
        }

        [Fact]
        public async Task SummaryIntersectionIsIndependentOfRowIntersection()
        {
            var response = await QueryOkAsync(SeededStore(), Body(Quote(A, B), "\"require_intersection\":false,\"summary_require_intersection\":true,\"include_summary\":true"));

            Assert.Equal(3, (int)response["total_rows"]!);
            Assert.Equal(2, (int)response["summary"]!["row_count"]!);
            Assert.Equal(4, (int)response["summary"]!["evaluations"]![0]!["trial_count"]!);
        }

        [Theory]
        [InlineData(3, 10, new string[0])]
        [InlineData(50, null, new string[0])]
        [InlineData(0, 0, new string[0])]
        [InlineData(1, 1, new[] { Q3 })]
        [InlineData(2, 5, new[] { Q2 })]
        [InlineData(-4, 2, new[] { Q1, Q3 })]
        public async Task PagingSlicesAfterCounting(int offset, int? limit, string[] expected)
        {
            var extra = $"\"offset\":{offset}" + (limit is null ? "" : $",\"limit\":{limit}");

            var response = await QueryOkAsync(SeededStore(), Body(Quote(A), extra));

            Assert.Equal(expected, Digests(response));
            Assert.Equal(3, (int)response["total_rows"]!);
        }

        [Theory]
        [InlineData("desc", new[] { Q1, Q2, Q3 })]
        [InlineData("asc", new[] { Q2, Q1, Q3 })]
        public async Task ScoreSortPutsNullsLastInBothDirections(string direction, string[] expected)
        {
            var sort = $"\"sort_by\":[{{\"field\":\"scores.similarity\",\"direction\":\"{direction}\",\"evaluation_call_id\":\"{B}\"}}]";

            var response = await QueryOkAsync(SeededStore(), Body(Quote(A, B), sort));

            Assert.Equal(expected, Digests(response));
        }

        [Fact]
        public async Task ScoreSortAveragesTrialsWithBooleansAsNumbers()
        {
            // exact_match of A per row: q1 1,1 → 1; q3 0,1 → 0.5; q2 0,0 → 0.
            var response = await QueryOkAsync(SeededStore(), Body(Quote(A), "\"sort_by\":[{\"field\":\"scores.exact_match\",\"direction\":\"asc\"}]"));

            Assert.Equal(new[] { Q2, Q3, Q1 }, Digests(response));
        }

        [Fact]
        public async Task DifferenceModeSortsByTheSpreadBetweenRuns()
        {
            // similarity: q1 A 0.905 vs B 0.95 → 0.045; q2 A 0.44 vs B 0.9 → 0.46; q3 has no B value → NULL, last.
            var sort = "\"sort_by\":[{\"field\":\"scores.similarity\",\"direction\":\"desc\",\"mode\":\"difference\"}]";

            var response = await QueryOkAsync(SeededStore(), Body(Quote(A, B), sort));

            Assert.Equal(new[] { Q2, Q1, Q3 }, Digests(response));
        }

        [Fact]
        public async Task DifferenceModeWithOneRunSortsByValue()
        {
            var sort = "\"sort_by\":[{\"field\":\"scores.similarity\",\"direction\":\"desc\",\"mode\":\"difference\"}]";

            var response = await QueryOkAsync(SeededStore(), Body(Quote(A), sort));

            Assert.Equal(new[] { Q1, Q3, Q2 }, Digests(response));
        }

        [Fact]
        public async Task TextSortUsesTheFirstTrialValueAndRowDigestBreaksTies()
        {
            var response = await QueryOkAsync(SeededStore(), Body(Quote(A), "\"sort_by\":[{\"field\":\"inputs.question\",\"direction\":\"asc\"}]"));

            // "Can I change…" (q2) < "How do I…" (q1) < "What is…" (q3)
            Assert.Equal(new[] { Q2, Q1, Q3 }, Digests(response));
        }

        [Fact]
        public async Task NumericValuesSortBeforeTextInBothDirections()
        {
            var store = SeededStore();
            AddInlineTrial(store, "019f5075-9000-7000-8000-000000000001", "{\"question\":\"zzz\",\"rank\":\"high\"}");
            AddInlineTrial(store, "019f5075-9000-7000-8000-000000000002", "{\"question\":\"yyy\",\"rank\":3}");
            AddInlineTrial(store, "019f5075-9000-7000-8000-000000000003", "{\"question\":\"xxx\",\"rank\":10}");

            var ascending = await QueryOkAsync(store, Body(Quote(C), "\"include_raw_data_rows\":true,\"sort_by\":[{\"field\":\"inputs.rank\",\"direction\":\"asc\"}]"));
            var descending = await QueryOkAsync(store, Body(Quote(C), "\"include_raw_data_rows\":true,\"sort_by\":[{\"field\":\"inputs.rank\",\"direction\":\"desc\"}]"));

            // The two seeded rows of C have no rank: NULL goes last in both directions.
            static string Rank(JsonObject response, int i) => response["rows"]![i]!["raw_data_row"]!["rank"]?.ToJsonString() ?? "null";
            Assert.Equal(new[] { "3", "10", "\"high\"", "null", "null" }, Enumerable.Range(0, 5).Select(i => Rank(ascending, i)));
            Assert.Equal(new[] { "10", "3", "\"high\"", "null", "null" }, Enumerable.Range(0, 5).Select(i => Rank(descending, i)));
        }

        [Fact]
        public async Task FiltersUseTheFirstTrialValue()
        {
            // A's q3 trials have exact_match false then true; any() is the first one.
            var filter = "\"filters\":[{\"query\":{\"$expr\":{\"$eq\":[{\"$getField\":\"scores.exact_match\"},{\"$literal\":true}]}}}]";

            var response = await QueryOkAsync(SeededStore(), Body(Quote(A), filter));

            Assert.Equal(new[] { Q1 }, Digests(response));
        }

        [Theory]
        [InlineData("or", new[] { Q1, Q2 })]
        [InlineData("and", new string[0])]
        public async Task ScopedFiltersCombineByLogicOperator(string logic, string[] expected)
        {
            // A: LLMJudge.correct == false → q2 only; B: similarity > 0.92 → q1 only.
            var filters = "\"filters\":["
                + $"{{\"evaluation_call_id\":\"{A}\",\"query\":{{\"$expr\":{{\"$eq\":[{{\"$getField\":\"scores.LLMJudge.correct\"}},{{\"$literal\":false}}]}}}}}},"
                + $"{{\"evaluation_call_id\":\"{B}\",\"query\":{{\"$expr\":{{\"$gt\":[{{\"$convert\":{{\"input\":{{\"$getField\":\"scores.similarity\"}},\"to\":\"double\"}}}},{{\"$literal\":0.92}}]}}}}}}]";

            var response = await QueryOkAsync(SeededStore(), Body(Quote(A, B), filters + $",\"filter_logic_operator\":\"{logic}\""));

            Assert.Equal(expected, Digests(response));
        }

        [Fact]
        public async Task UnscopedFiltersAreAndedEvenWithOr()
        {
            var filters = "\"filters\":["
                + "{\"query\":{\"$expr\":{\"$gt\":[{\"$getField\":\"scores.similarity\"},{\"$literal\":0.5}]}}},"
                + "{\"query\":{\"$expr\":{\"$eq\":[{\"$getField\":\"scores.exact_match\"},{\"$literal\":false}]}}}]";

            var response = await QueryOkAsync(SeededStore(), Body(Quote(A), filters));

            Assert.Equal(new[] { Q3 }, Digests(response));
        }

        [Fact]
        public async Task TheModelOutputIsAddressedAsOutputDotOutput()
        {
            var filter = "\"filters\":[{\"query\":{\"$expr\":{\"$contains\":{\"input\":{\"$getField\":\"output.output\"},\"substr\":{\"$literal\":\"PER MINUTE\"},\"case_insensitive\":true}}}}]";
            var sort = "\"sort_by\":[{\"field\":\"output.output\",\"direction\":\"desc\"}]";

            var filtered = await QueryOkAsync(SeededStore(), Body(Quote(A), filter));
            var sorted = await QueryOkAsync(SeededStore(), Body(Quote(A), sort));

            Assert.Equal(new[] { Q3 }, Digests(filtered));
            // First trials' outputs: q1 "Click …", q3 "The API …", q2 "Yes, …".
            Assert.Equal(new[] { Q2, Q3, Q1 }, Digests(sorted));
        }

        [Fact]
        public async Task FiltersReadDatasetRowsWithoutResolvingThem()
        {
            var filter = "\"filters\":[{\"query\":{\"$expr\":{\"$contains\":{\"input\":{\"$getField\":\"inputs.question\"},\"substr\":{\"$literal\":\"BILLING\"},\"case_insensitive\":true}}}}]";

            var response = await QueryOkAsync(SeededStore(), Body(Quote(A), filter));

            Assert.Equal(new[] { Q2 }, Digests(response));
            Assert.Null(response["rows"]![0]!["raw_data_row"]);
        }

        [Fact]
        public async Task NotOfAComparisonWithAMissingFieldIsFalse()
        {
            var filter = "\"filters\":[{\"query\":{\"$expr\":{\"$not\":[{\"$eq\":[{\"$getField\":\"scores.no_such_scorer\"},{\"$literal\":1}]}]}}}]";

            var response = await QueryOkAsync(SeededStore(), Body(Quote(A), filter));

            Assert.Empty(Digests(response));
        }

        [Fact]
        public async Task FilterOnRowDigestAndInOperator()
        {
            var filter = $"\"filters\":[{{\"query\":{{\"$expr\":{{\"$in\":[{{\"$getField\":\"row_digest\"}},[{{\"$literal\":\"{Q2}\"}},{{\"$literal\":\"{Q3}\"}}]]}}}}}}]";

            var response = await QueryOkAsync(SeededStore(), Body(Quote(A), filter));

            Assert.Equal(new[] { Q3, Q2 }, Digests(response));
        }

        [Fact]
        public async Task IncludeRowsFalseWithFiltersStillCountsFilteredRows()
        {
            var filter = "\"filters\":[{\"query\":{\"$expr\":{\"$gte\":[{\"$getField\":\"scores.similarity\"},{\"$literal\":0.6}]}}}]";

            var response = await QueryOkAsync(SeededStore(), Body(Quote(A), "\"include_rows\":false,\"include_summary\":true," + filter));

            Assert.Empty(response["rows"]!.AsArray());
            Assert.Equal(2, (int)response["total_rows"]!);
            Assert.Equal(2, (int)response["summary"]!["row_count"]!);
        }

        [Fact]
        public async Task ResolvesRowRefsOfThePageOnly()
        {
            var response = await QueryOkAsync(SeededStore(), Body(Quote(A), "\"include_raw_data_rows\":true,\"resolve_row_refs\":true,\"limit\":1,\"offset\":1"));

            Assert.Equal("q3", (string?)response["rows"]![0]!["raw_data_row"]!["id"]);
            Assert.Empty(response["warnings"]!.AsArray());
        }

        [Fact]
        public async Task UnresolvedRefsAreReturnedAsStoredWhenResolutionIsOff()
        {
            var response = await QueryOkAsync(SeededStore(), Body(Quote(A), "\"include_raw_data_rows\":true"));

            Assert.Equal(SupportBotScenario.RowRef(0), (string?)response["rows"]![0]!["raw_data_row"]);
        }

        [Fact]
        public async Task DeletedDatasetKeepsRefsAndWarns()
        {
            var store = SeededStore();
            store.ResolveObject(SupportBotScenario.ProjectId, "support-qa", "latest")!.DeletedAt = DateTime.UtcNow;
            store.Touch();

            var response = await QueryOkAsync(store, Body(Quote(A), "\"include_raw_data_rows\":true,\"resolve_row_refs\":true"));

            Assert.All(response["rows"]!.AsArray(), row => Assert.StartsWith("weave:///", (string?)row!["raw_data_row"]));
            Assert.Equal(new[] { EvalResultsRowWriter.ResolveWarning }, response["warnings"]!.AsArray().Select(w => (string)w!));
        }

        [Fact]
        public async Task MalformedRefWarnsButARowMissingFromTheTableIsKeptSilently()
        {
            var store = SeededStore();
            var missingRow = $"{SupportBotScenario.DatasetRef}/attr/rows/id/NotInTheTable000000000000000000000000000000";
            AddInlineTrial(store, "019f5075-9100-7000-8000-000000000001", JsonValue.Create(missingRow)!.ToJsonString());

            var silent = await QueryOkAsync(store, Body(Quote(C), "\"include_raw_data_rows\":true,\"resolve_row_refs\":true"));
            AddInlineTrial(store, "019f5075-9100-7000-8000-000000000002", "\"weave:///acme-ai/support-bot/object/support-qa/attr/rows/id/abc\"");
            var warned = await QueryOkAsync(store, Body(Quote(C), "\"include_raw_data_rows\":true,\"resolve_row_refs\":true"));

            Assert.Contains(silent["rows"]!.AsArray(), row => row!["raw_data_row"] is JsonValue value && value.ToString() == missingRow);
            Assert.Empty(silent["warnings"]!.AsArray());
            Assert.Single(warned["warnings"]!.AsArray());
        }

        [Fact]
        public async Task SummaryOmitsEvaluationsWithoutTrials()
        {
            var response = await QueryOkAsync(SeededStore(), Body(Quote(A, SupportBotScenario.RunD), "\"include_summary\":true"));

            var summarised = response["summary"]!["evaluations"]!.AsArray().Select(e => (string)e!["evaluation_call_id"]!);
            Assert.Equal(new[] { A }, summarised);
            Assert.Equal(3, (int)response["summary"]!["row_count"]!);
            Assert.All(response["rows"]!.AsArray(), row => Assert.Equal(new[] { A }, row!["evaluations"]!.AsArray().Select(e => (string)e!["evaluation_call_id"]!)));
        }

        [Fact]
        public async Task SummaryTypesDimensionsByValueAndSkipsNullsAndLists()
        {
            var store = SeededStore();
            AddInlineTrial(store, "019f5075-9200-7000-8000-000000000001", "{\"question\":\"kinds 1\"}",
                scoresJson: "{\"tone\":\"polite\",\"flag\":null,\"judge\":{\"ok\":true,\"note\":null,\"tags\":[\"a\"]},\"n\":3}");
            AddInlineTrial(store, "019f5075-9200-7000-8000-000000000002", "{\"question\":\"kinds 2\"}",
                scoresJson: "{\"tone\":null,\"judge\":{\"ok\":null},\"n\":null}");

            var response = await QueryOkAsync(store, Body(Quote(C), "\"include_summary\":true,\"include_rows\":false"));

            var evaluation = response["summary"]!["evaluations"]![0]!;
            Assert.Equal(4, (int)evaluation["trial_count"]!);
            var stats = evaluation["scorer_stats"]!.AsArray().ToDictionary(
                s => (string)s!["scorer_key"]! + ((string?)s!["path"] is { } path ? "." + path : ""), s => s!);
            Assert.Equal(new[] { "judge.ok", "keyword_match", "n", "tone" }, stats.Keys.OrderBy(k => k, StringComparer.Ordinal));
            Assert.Equal("text", (string?)stats["tone"]["value_type"]);
            Assert.Equal(1, (int)stats["tone"]["trial_count"]!);
            Assert.Equal(0, (int)stats["tone"]["pass_known_count"]!);
            Assert.Equal(0, (int)stats["tone"]["numeric_count"]!);
            Assert.Equal("binary", (string?)stats["judge.ok"]["value_type"]);
            Assert.Equal(1, (int)stats["judge.ok"]["trial_count"]!);
            Assert.Equal(1.0, (double)stats["judge.ok"]["pass_rate"]!);
            Assert.Equal("continuous", (string?)stats["n"]["value_type"]);
            Assert.Equal(1, (int)stats["n"]["numeric_count"]!);
            Assert.Equal(3.0, (double)stats["n"]["numeric_mean"]!);
        }

        [Fact]
        public async Task LateScoresAreMergedIntoScoresAndSummary()
        {
            var store = SeededStore();
            var pas = "019f4c56-ea9c-7d4b-94a0-9ee2dc5c9331";
            const string lateId = "019f6000-0000-7000-8000-0000000000aa";
            AddLateScorer(store, lateId, pas, "0.5", predictionId: "019f4c56-ea9f-7afc-94da-3bdd19614774");

            var response = await QueryOkAsync(store, Body(Quote(A), "\"include_summary\":true,\"limit\":1"));

            var trial = FirstTrial(response);
            Assert.Equal(new[] { "exact_match", "similarity", "LLMJudge", "late_added_scorer" }, trial["scores"]!.AsObject().Select(p => p.Key));
            Assert.Equal(0.5, (double)trial["scores"]!["late_added_scorer"]!);
            Assert.Equal(lateId, (string?)trial["scorer_call_ids"]!["late_added_scorer"]);
            var stats = response["summary"]!["evaluations"]![0]!["scorer_stats"]!.AsArray();
            var late = stats.Single(s => (string?)s!["scorer_key"] == "late_added_scorer")!;
            Assert.Equal(1, (int)late["trial_count"]!);
            Assert.Equal("continuous", (string?)late["value_type"]);
        }

        [Fact]
        public async Task RowTextsAreKeptPerRequestShapeAndFollowTheStore()
        {
            // The row texts are derived once and copied on later pages: a request of another shape gets its
            // own text, and a call added after a page was served shows on the next one.
            var store = SeededStore();
            var before = FirstTrial(await QueryOkAsync(store, Body(Quote(A), "\"limit\":1")));
            Assert.Null(before["total_cost"]?.GetValue<double?>());
            var costed = FirstTrial(await QueryOkAsync(store, Body(Quote(A), "\"limit\":1,\"include_costs\":true")));
            Assert.NotNull(costed["total_cost"]?.GetValue<double?>());
            Assert.Null(FirstTrial(await QueryOkAsync(store, Body(Quote(A), "\"limit\":1")))["total_cost"]?.GetValue<double?>());

            var pas = (string)before["predict_and_score_call_id"]!;
            Assert.DoesNotContain("late_added_scorer", before["scores"]!.AsObject().Select(p => p.Key));
            AddLateScorer(store, "019f6000-0000-7000-8000-0000000000ab", pas, "0.25");
            var after = FirstTrial(await QueryOkAsync(store, Body(Quote(A), "\"limit\":1")));
            Assert.Equal(pas, (string)after["predict_and_score_call_id"]!);
            Assert.Equal(0.25, (double)after["scores"]!["late_added_scorer"]!);
        }

        /// <summary>A scorer call ('late_added_scorer', output <paramref name="output"/>) added under a predict_and_score call of run A after it was logged.</summary>
        private static void AddLateScorer(EmulatorStore store, string id, string predictAndScoreId, string output, string? predictionId = null)
        {
            var prediction = predictionId is null ? "" : "\"prediction_id\":\"" + predictionId + "\",";
            store.AddCall(new CallRecord
            {
                Id = id,
                ProjectId = SupportBotScenario.ProjectId,
                OpName = "weave:///acme-ai/support-bot/op/late_added_scorer.score:" + WeaveDigest.OfText("late"),
                TraceId = "019f4c56-e6b4-7b51-a0c3-5e2f9d41c7a8",
                ParentId = predictAndScoreId,
                StartedAt = DateTime.Parse("2026-07-13T10:00:00Z").ToUniversalTime(),
                EndedAt = DateTime.Parse("2026-07-13T10:00:01Z").ToUniversalTime(),
                Attributes = Json.Bytes("{\"weave\":{\"score\":\"true\"," + prediction + "\"scorer\":\"weave:///acme-ai/support-bot/object/late_added_scorer:" + WeaveDigest.OfText("late obj") + "\",\"evaluation_run_id\":\"" + A + "\"}}"),
                Output = Json.Bytes(output),
            });
        }

        [Fact]
        public async Task WithoutChildrenOnlyTheCallItselfIsRead()
        {
            var store = SeededStore();

            var sdk = await QueryOkAsync(store, Body(Quote(A), "\"include_predict_and_score_children\":false,\"limit\":1"));
            var api = await QueryOkAsync(store, Body(Quote(C), "\"include_predict_and_score_children\":false,\"limit\":1"));

            var sdkTrial = FirstTrial(sdk);
            Assert.Null(sdkTrial["predict_call_id"]);
            Assert.Empty(sdkTrial["scorer_call_ids"]!.AsObject());
            Assert.Null(sdkTrial["model_latency_seconds"]); // the SDK stores model_latency as a bare float
            Assert.Equal(412 + 401, (int)sdkTrial["total_tokens"]!); // PAS usage includes the judge
            var apiTrial = FirstTrial(api);
            Assert.Equal(0.003, (double)apiTrial["model_latency_seconds"]!);
            Assert.Null(apiTrial["total_tokens"]);
        }

        [Fact]
        public async Task CostsComeFromThePredictUsage()
        {
            var response = await QueryOkAsync(SeededStore(), Body(Quote(A), "\"include_costs\":true,\"include_summary\":true,\"limit\":1"));

            var expected = 287 * 2.5e-06 + 125 * 1e-05;
            Assert.Contains("\"total_cost\":" + PyJson.FormatFloat(expected), response.ToJsonString());
            Assert.NotNull(response["summary"]!["evaluations"]![0]!["predict_total_cost"]);
        }

        [Fact]
        public async Task GenAiSpanRefIsCopiedFromThePredictAndScoreAttributes()
        {
            var store = SeededStore();
            AddInlineTrial(store, "019f5075-9200-7000-8000-000000000001", "{\"question\":\"spans\"}",
                "{\"weave\":{\"genai_span_ref\":[{\"trace_id\":\"t1\",\"span_id\":\"s1\"}]}}");

            var response = await QueryOkAsync(store, Body(Quote(C)));

            var trials = response["rows"]!.AsArray().SelectMany(r => r!["evaluations"]![0]!["trials"]!.AsArray()).ToList();
            Assert.Contains(trials, t => t!["genai_span_ref"]?.ToJsonString() == "[{\"trace_id\":\"t1\",\"span_id\":\"s1\"}]");
        }

        [Fact]
        public async Task UnfinishedTrialsHaveNoOutputAndNoScores()
        {
            var store = SeededStore();
            const string running = "019f4c9d-7000-7000-8000-000000000001";
            store.AddCall(new CallRecord
            {
                Id = running,
                ProjectId = SupportBotScenario.ProjectId,
                OpName = "weave:///acme-ai/support-bot/op/Evaluation.predict_and_score:x",
                TraceId = "019f4c9d-48f6-7e20-9b7d-0c4a6f13e2d5",
                ParentId = B,
                StartedAt = SupportBotCalls.TimeOf(running),
                Inputs = Json.Bytes("{\"self\":\"e\",\"model\":\"" + SupportBotScenario.ClaudeModelRef + "\",\"example\":\"" + SupportBotScenario.RowRef(2) + "\"}"),
            });

            var response = await QueryOkAsync(store, Body(Quote(B), "\"include_summary\":true"));

            var q3 = response["rows"]!.AsArray().Single(r => (string?)r!["row_digest"] == Q3)!;
            var trial = q3["evaluations"]![0]!["trials"]![0]!;
            Assert.Null(trial["model_output"]);
            Assert.Empty(trial["scores"]!.AsObject());
            Assert.Null(trial["predict_call_id"]);
            Assert.Equal(3, (int)response["summary"]!["evaluations"]![0]!["trial_count"]!);
            Assert.Equal(2, (int)response["summary"]!["evaluations"]![0]!["scorer_stats"]![0]!["trial_count"]!);
        }

        [Fact]
        public async Task NonAsciiTextIsRawUtf8()
        {
            var store = SeededStore();
            store.GetCall(SupportBotScenario.ProjectId, A)!.DisplayName = "éval 🚀";
            store.Touch();

            var (_, body) = await QueryAsync(store, Body(Quote(A), "\"include_rows\":false,\"include_summary\":true"));

            Assert.Contains("\"display_name\":\"éval 🚀\"", body);
        }

        [Fact]
        public async Task UnknownIdsGiveAnEmptyResult()
        {
            var (status, body) = await QueryAsync(SeededStore(), Body(Quote("019f0000-0000-7000-8000-000000000000"), "\"include_summary\":true"));

            Assert.Equal(200, status);
            Assert.Equal("{\"rows\":[],\"total_rows\":0,\"summary\":{\"row_count\":0,\"evaluations\":[]},\"warnings\":[]}", body);
        }

        [Fact]
        public async Task DeletedAndMisnamedPredictAndScoreCallsAreNotTrials()
        {
            var store = SeededStore();
            store.DeleteCall(SupportBotScenario.ProjectId, "019f5075-80da-791f-b8e6-4c814faa6853", DateTime.UtcNow);
            AddInlineTrial(store, "019f5075-9300-7000-8000-000000000001", "{\"question\":\"lower case op\"}", opName: "evaluation.predict_and_score");
            AddInlineTrial(store, "019f5075-9300-7000-8000-000000000002", "{\"question\":\"ts op\"}", opName: "Evaluation.predictAndScore");

            var response = await QueryOkAsync(store, Body(Quote(C)));

            Assert.Equal(2, (int)response["total_rows"]!);
        }

        [Fact]
        public async Task UnknownKeysAreIgnoredUnlessStrict()
        {
            var body = Body(Quote(A), "\"include_scores\":true,\"limit\":1");

            var (lenient, _) = await QueryAsync(SeededStore(), body);
            var (strict, strictBody) = await QueryAsync(SeededStore(), body, strictUnknownKeys: true);

            Assert.Equal(200, lenient);
            Assert.Equal(422, strict);
            Assert.Contains("\"type\":\"extra_forbidden\"", strictBody);
        }

        [Fact]
        public async Task LaxTypesAreAccepted()
        {
            var response = await QueryOkAsync(SeededStore(), Body(Quote(A), "\"include_summary\":\"true\",\"limit\":\"1\",\"offset\":\"1\",\"include_rows\":1"));

            Assert.Equal(new[] { Q3 }, Digests(response));
            Assert.NotNull(response["summary"]);
        }

        [Theory]
        [InlineData("\"include_summary\":null", "{\"detail\":[{\"type\":\"bool_type\",\"loc\":[\"body\",\"include_summary\"],\"msg\":\"Input should be a valid boolean\",\"input\":null}]}")]
        [InlineData("\"include_rows\":\"maybe\"", "{\"detail\":[{\"type\":\"bool_parsing\",\"loc\":[\"body\",\"include_rows\"],\"msg\":\"Input should be a valid boolean, unable to interpret input\",\"input\":\"maybe\"}]}")]
        [InlineData("\"offset\":null", "{\"detail\":[{\"type\":\"int_type\",\"loc\":[\"body\",\"offset\"],\"msg\":\"Input should be a valid integer\",\"input\":null}]}")]
        [InlineData("\"limit\":\"ten\"", "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"body\",\"limit\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"ten\"}]}")]
        [InlineData("\"limit\":1.5", "{\"detail\":[{\"type\":\"int_from_float\",\"loc\":[\"body\",\"limit\"],\"msg\":\"Input should be a valid integer, got a number with a fractional part\",\"input\":1.5}]}")]
        [InlineData("\"sort_by\":[{\"field\":\"scores.x\",\"direction\":\"DESC\"}]", "{\"detail\":[{\"type\":\"literal_error\",\"loc\":[\"body\",\"sort_by\",0,\"direction\"],\"msg\":\"Input should be 'asc' or 'desc'\",\"input\":\"DESC\",\"ctx\":{\"expected\":\"'asc' or 'desc'\"}}]}")]
        [InlineData("\"sort_by\":[{\"field\":\"scores.x\",\"direction\":\"asc\",\"mode\":\"diff\"}]", "{\"detail\":[{\"type\":\"literal_error\",\"loc\":[\"body\",\"sort_by\",0,\"mode\"],\"msg\":\"Input should be 'value' or 'difference'\",\"input\":\"diff\",\"ctx\":{\"expected\":\"'value' or 'difference'\"}}]}")]
        [InlineData("\"sort_by\":[{\"direction\":\"asc\"}]", "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"sort_by\",0,\"field\"],\"msg\":\"Field required\",\"input\":{\"direction\":\"asc\"}}]}")]
        [InlineData("\"evaluation_run_ids\":\"abc\"", "{\"detail\":[{\"type\":\"list_type\",\"loc\":[\"body\",\"evaluation_run_ids\"],\"msg\":\"Input should be a valid list\",\"input\":\"abc\"}]}")]
        public async Task InvalidBodiesGiveFastApiErrors(string extra, string expected)
        {
            var (status, body) = await QueryAsync(SeededStore(), Body(Quote(A), extra));

            Assert.Equal(422, status);
            Assert.Equal(expected, body);
        }

        [Fact]
        public async Task EmptyIdListsCountAsMissing()
        {
            var (status, body) = await QueryAsync(SeededStore(), "{\"evaluation_call_ids\":[],\"evaluation_run_ids\":null}");

            Assert.Equal(422, status);
            Assert.Contains("At least one of evaluation_call_ids or evaluation_run_ids must be provided", body);
        }

        [Fact]
        public async Task MalformedJsonIsJsonInvalid()
        {
            var (status, body) = await QueryAsync(SeededStore(), "{\"evaluation_call_ids\": [}");

            Assert.Equal(422, status);
            Assert.Equal("{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",25],\"msg\":\"JSON decode error\",\"input\":{},\"ctx\":{\"error\":\"Expecting value\"}}]}", body);
        }

        [Theory]
        [InlineData("", "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\",\"input\":null}]}")]
        [InlineData("null", "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\",\"input\":null}]}")]
        [InlineData("[1]", "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":[1]}]}")]
        public async Task BodiesThatAreNotObjectsAreRejected(string body, string expected)
        {
            var (status, text) = await QueryAsync(SeededStore(), body);

            Assert.Equal(422, status);
            Assert.Equal(expected, text);
        }

        [Fact]
        public async Task UnsupportedFilterFieldIsABadRequest()
        {
            var filter = "\"filters\":[{\"query\":{\"$expr\":{\"$eq\":[{\"$getField\":\"outputs.label\"},{\"$literal\":\"x\"}]}}}]";

            var (status, body) = await QueryAsync(SeededStore(), Body(Quote(A), filter));

            Assert.Equal(400, status);
            Assert.Equal("{\"reason\":\"Unsupported eval results field: 'outputs.label'. Supported prefixes: scores.*, inputs.*, output.*, row_digest.\"}", body);
        }

        [Fact]
        public async Task IdsAreMergedCallIdsFirstAndDeduplicated()
        {
            var response = await QueryOkAsync(SeededStore(), "{\"evaluation_call_ids\":[\"" + B + "\"],\"evaluation_run_ids\":[\"" + A + "\",\"" + B + "\"],\"include_summary\":true}");

            var summaryIds = response["summary"]!["evaluations"]!.AsArray().Select(e => (string)e!["evaluation_call_id"]!);
            Assert.Equal(new[] { A, B }, summaryIds); // first appearance walking rows: A's q1 trial started first
            Assert.Equal(3, (int)response["total_rows"]!);
        }

        [Fact]
        public async Task PagesReuseTheCachedIndexUntilTheStoreChanges()
        {
            var store = SeededStore();
            var ids = new[] { A, B };

            var first = EvalResultsEngine.Index(store, SupportBotScenario.ProjectId, ids);
            var second = EvalResultsEngine.Index(store, SupportBotScenario.ProjectId, ids);
            store.Touch();
            var third = EvalResultsEngine.Index(store, SupportBotScenario.ProjectId, ids);

            Assert.Same(first, second);
            Assert.NotSame(first, third);
            Assert.Equal(first.Rows.Select(r => r.Digest), third.Rows.Select(r => r.Digest));
            await Task.CompletedTask;
        }

        [Fact]
        public async Task LargeRunsPageQuickly()
        {
            var store = new EmulatorStore();
            const string root = "019f7000-0000-7000-8000-000000000000";
            var start = new DateTime(2026, 7, 20, 0, 0, 0, DateTimeKind.Utc);
            store.AddCall(new CallRecord { Id = root, ProjectId = SupportBotScenario.ProjectId, OpName = SupportBotScenario.SdkEvaluateOp, TraceId = root, StartedAt = start });
            const int trials = 20000;
            for (var i = 0; i < trials; i++)
            {
                store.AddCall(new CallRecord
                {
                    Id = $"019f7000-{i / 65536:x4}-7{i % 65536:x3}-8000-{i:x12}",
                    ProjectId = SupportBotScenario.ProjectId,
                    OpName = "weave:///acme-ai/support-bot/op/Evaluation.predict_and_score:x",
                    TraceId = root,
                    ParentId = root,
                    StartedAt = start.AddMilliseconds(i),
                    EndedAt = start.AddMilliseconds(i + 5),
                    Inputs = Encoding.UTF8.GetBytes($"{{\"example\":{{\"i\":{i}}}}}"),
                    Output = Encoding.UTF8.GetBytes($"{{\"output\":{i},\"scores\":{{\"ok\":{(i % 2 == 0 ? "true" : "false")}}}}}"),
                });
            }
            await QueryOkAsync(store, Body(Quote(root), "\"limit\":100,\"include_summary\":true"));

            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (var page = 1; page <= 20; page++)
            {
                var response = await QueryOkAsync(store, Body(Quote(root), $"\"limit\":100,\"offset\":{page * 100},\"include_summary\":true"));
                Assert.Equal(trials, (int)response["total_rows"]!);
                Assert.Equal(100, response["rows"]!.AsArray().Count);
            }
            Assert.True(watch.ElapsedMilliseconds < 5000, $"20 cached pages took {watch.ElapsedMilliseconds} ms");
        }

        private static void AddInlineTrial(EmulatorStore store, string id, string exampleJson, string? attributes = null, string opName = "weave:///acme-ai/support-bot/op/Evaluation.predict_and_score:x", string scoresJson = "{}")
        {
            store.AddCall(new CallRecord
            {
                Id = id,
                ProjectId = SupportBotScenario.ProjectId,
                OpName = opName,
                TraceId = C,
                ParentId = C,
                StartedAt = SupportBotCalls.TimeOf(id),
                EndedAt = SupportBotCalls.TimeOf(id).AddMilliseconds(10),
                Attributes = Json.Bytes(attributes ?? "{}"),
                Inputs = Encoding.UTF8.GetBytes("{\"self\":\"e\",\"model\":\"m\",\"example\":" + exampleJson + "}"),
                Output = Encoding.UTF8.GetBytes("{\"output\":\"x\",\"scores\":" + scoresJson + "}"),
            });
        }
    }
}
