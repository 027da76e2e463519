using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace WeaveEval.Client
{
    /// <summary>
    /// Completes trials whose model output the eval_results route leaves empty because their SDK wrote it
    /// under another key. The server reads a trial's output from its predict_and_score call's
    /// <c>output.output</c>; the TypeScript SDK's declarative <c>Evaluation</c> (op
    /// <c>Evaluation.predictAndScore</c>) and older Python SDKs write <c>{model_output, scores,
    /// model_latency: seconds}</c> instead, and the TypeScript model call is an op the server's predict
    /// heuristics do not recognise. For such trials one calls query per page reads the predict_and_score
    /// calls with their children and fills, where the server gave nothing: <see cref="EvalResult.Output"/>
    /// from <c>output.model_output</c>, <see cref="EvalResult.ModelLatencySeconds"/> from a numeric
    /// <c>output.model_latency</c>, and <see cref="EvalResult.PredictionId"/> from the child whose op is the
    /// trial's model (<c>inputs.model</c>). A trial without <c>model_output</c> (its model failed, or it
    /// has not finished) stays as the server gave it.
    /// </summary>
    internal sealed class ModelOutputCompletion : IPageCompletion<EvalRow>
    {
        /// <summary>The columns the completion reads (id and op_name always come).</summary>
        internal static readonly string[] Columns = { "parent_id", "inputs", "output" };

        /// <summary>
        /// Predict_and_score ids per calls query: the server caps its filters' id lists at 1000, and the
        /// contract does not say the expression's lists are allowed more.
        /// </summary>
        internal const int IdsPerRequest = 1000;

        /// <summary>Calls per request: the predict_and_score calls of <see cref="IdsPerRequest"/> trials with their children fit in one.</summary>
        internal const int CallsPerRequest = 10000;

        private readonly Func<IReadOnlyList<string>, CancellationToken, IAsyncEnumerable<CallLine>> readCalls;
        private readonly IWeaveLog log;
        private int warned;

        public ModelOutputCompletion(Func<IReadOnlyList<string>, CancellationToken, IAsyncEnumerable<CallLine>> readCalls, IWeaveLog log)
        {
            this.readCalls = readCalls;
            this.log = log;
        }

        public bool Needs(EvalRow row) => row.Results.Any(NeedsOutput);

        /// <summary>
        /// No output, and either scores (so the model ran and was scored: its output exists somewhere) or no
        /// predict call (the server could not read this trial's shape at all). A trial whose model failed in
        /// a shape the server reads has a predict call and no scores, and costs no request.
        /// </summary>
        internal static bool NeedsOutput(EvalResult trial) =>
            trial.Output == null && trial.PredictAndScoreCallId.Length > 0 && (trial.Scores.Count > 0 || trial.PredictionId == null);

        public async Task CompleteAsync(IReadOnlyList<EvalRow> items, CancellationToken ct)
        {
            var trials = new Dictionary<string, List<EvalResult>>(StringComparer.Ordinal);
            foreach (var trial in items.SelectMany(row => row.Results).Where(NeedsOutput))
            {
                if (!trials.TryGetValue(trial.PredictAndScoreCallId, out var same)) trials.Add(trial.PredictAndScoreCallId, same = new List<EvalResult>());
                same.Add(trial);
            }
            if (trials.Count == 0) return;
            var ids = trials.Keys.ToList();
            var completed = 0;
            try
            {
                for (var first = 0; first < ids.Count; first += IdsPerRequest)
                {
                    var batch = ids.GetRange(first, Math.Min(IdsPerRequest, ids.Count - first));
                    var calls = new Dictionary<string, CallLine>(StringComparer.Ordinal);
                    var children = new Dictionary<string, List<CallLine>>(StringComparer.Ordinal);
                    await foreach (var call in readCalls(batch, ct).WithCancellation(ct).ConfigureAwait(false))
                    {
                        if (call.Id != null && trials.ContainsKey(call.Id)) calls[call.Id] = call;
                        else if (call.ParentId != null && trials.ContainsKey(call.ParentId))
                        {
                            if (!children.TryGetValue(call.ParentId, out var siblings)) children.Add(call.ParentId, siblings = new List<CallLine>());
                            siblings.Add(call);
                        }
                    }
                    foreach (var id in batch)
                    {
                        if (!calls.TryGetValue(id, out var call)) continue;
                        children.TryGetValue(id, out var siblings);
                        foreach (var trial in trials[id]) if (Complete(trial, call, siblings)) completed++;
                    }
                }
            }
            catch (WeaveException e) when (!ct.IsCancellationRequested)
            {
                // The rows are whole without it: failing the read would lose every result for want of
                // some model outputs. They are written as the server gave them, and the user is told once.
                if (Interlocked.Exchange(ref warned, 1) == 0)
                {
                    log.Warning($"The model outputs of trials whose SDK wrote them as 'model_output' could not be read ({e.Message}); those trials are written as the server gave them, without Output.");
                }
            }
            log.Verbose($"Completed {completed} of {trials.Count} trials without a model output from their predict_and_score calls (model_output).");
        }

        /// <summary>Fills the trial from its predict_and_score call and that call's children; false when the call holds no model_output.</summary>
        internal static bool Complete(EvalResult trial, CallLine call, IReadOnlyList<CallLine>? children)
        {
            if (!(call.Output is JsonMap output) || !output.TryGetValue("model_output", out var modelOutput)) return false;
            trial.Output = modelOutput;
            if (trial.ModelLatencySeconds == null && output.TryGetValue("model_latency", out var latency) && (latency is double || latency is long))
            {
                trial.ModelLatencySeconds = Mapping.AsDouble(latency);
            }
            if (trial.PredictionId == null && children != null)
            {
                // The model's call has the model's op: its op name is the ref in inputs.model, up to the digest.
                var model = Mapping.ShortName(Mapping.AsText(call.Inputs?["model"]));
                if (model != null) trial.PredictionId = children.FirstOrDefault(child => Mapping.ShortName(child.OpName) == model)?.Id;
            }
            return true;
        }
    }
}
