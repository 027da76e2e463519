using System;
using System.Collections.Generic;
using System.Linq;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Run ids collected from the pipeline, grouped by the project they belong to (first-seen order,
    /// duplicates dropped), so that each project is queried once in EndProcessing.
    /// </summary>
    internal sealed class RunIdGroups
    {
        private readonly List<RunIdGroup> groups = new List<RunIdGroup>();

        public IReadOnlyList<RunIdGroup> Groups => groups;

        public void Add(ResolvedConnection connection, IEnumerable<string> ids)
        {
            var group = groups.FirstOrDefault(g => g.Connection.Entity == connection.Entity
                                                   && g.Connection.Project == connection.Project
                                                   && g.Connection.BaseUri == connection.BaseUri);
            if (group == null)
            {
                group = new RunIdGroup(connection);
                groups.Add(group);
            }
            foreach (var id in ids) group.Add(id);
        }
    }

    internal sealed class RunIdGroup
    {
        /// <summary>The client reads at most this many runs with one request.</summary>
        private const int ReadBatchSize = 100;

        private readonly List<string> ids = new List<string>();
        private readonly HashSet<string> seen = new HashSet<string>(StringComparer.Ordinal);

        public RunIdGroup(ResolvedConnection connection) { Connection = connection; }

        public ResolvedConnection Connection { get; }

        public IReadOnlyList<string> Ids => ids;

        public void Add(string id)
        {
            if (seen.Add(id)) ids.Add(id);
        }

        /// <summary>
        /// Keeps only the ids that name a run of the project; the others get a NotFound error each.
        /// (The eval_results query silently returns nothing for an unknown id.)
        /// </summary>
        public void DropUnknownRuns(WeaveCmdlet cmdlet, Func<IReadOnlyList<string>, IReadOnlyDictionary<string, EvaluationRun>> read)
        {
            var known = new List<string>(ids.Count);
            for (var start = 0; start < ids.Count; start += ReadBatchSize)
            {
                var batch = ids.Skip(start).Take(ReadBatchSize).ToList();
                var found = read(batch);
                foreach (var id in batch)
                {
                    if (found.ContainsKey(id)) known.Add(id);
                    else cmdlet.WriteNotFound("Evaluation run", id, Connection);
                }
            }
            ids.Clear();
            ids.AddRange(known);
        }
    }
}
