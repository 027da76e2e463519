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
        /// Keeps only the ids that <paramref name="found"/> has (the runs the server knows) and returns the
        /// others, for the caller to report: the eval_results query silently returns nothing for an unknown id.
        /// </summary>
        public IReadOnlyList<string> KeepKnown(IReadOnlyDictionary<string, EvaluationRun> found)
        {
            var unknown = ids.Where(id => !found.ContainsKey(id)).ToList();
            ids.RemoveAll(id => !found.ContainsKey(id));
            return unknown;
        }
    }
}
