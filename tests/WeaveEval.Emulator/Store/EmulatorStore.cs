using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace WeaveEval.Emulator.Store
{
    /// <summary>
    /// In-memory store shaped like the trace server's: calls, object versions and dataset table rows,
    /// all scoped by external project id (<c>entity/project</c>). Thread-safe; readers take snapshots.
    /// <see cref="Version"/> increases on every write so that query caches can tell when they are stale.
    /// </summary>
    public sealed class EmulatorStore
    {
        private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);
        private readonly List<CallRecord> calls = new();
        private readonly Dictionary<(string Project, string Id), CallRecord> callsById = new();
        private readonly Dictionary<(string Project, string ParentId), List<CallRecord>> children = new();
        private readonly Dictionary<(string Project, string OpName), List<CallRecord>> callsByOp = new();
        private readonly List<ObjectVersion> objects = new();
        private readonly Dictionary<(string Project, string RowDigest), byte[]> tableRows = new();
        private readonly Dictionary<(string Project, string TableDigest), string[]> tables = new();
        private readonly Dictionary<(string Project, string Digest), byte[]> files = new();
        private readonly List<FeedbackRecord> feedback = new();
        private readonly Dictionary<(string Project, string Id), CallEnd> unmatchedEnds = new();
        private long version;

        public long Version => Interlocked.Read(ref version);

        public void AddCall(CallRecord call)
        {
            gate.EnterWriteLock();
            try
            {
                Insert(call);
                version++;
            }
            finally { gate.ExitWriteLock(); }
        }

        /// <summary>Adds many calls under one lock (the generator writes millions).</summary>
        public void AddCalls(IReadOnlyList<CallRecord> batch)
        {
            gate.EnterWriteLock();
            try
            {
                foreach (var call in batch) Insert(call);
                version++;
            }
            finally { gate.ExitWriteLock(); }
        }

        private void Insert(CallRecord call)
        {
            calls.Add(call);
            callsById[(call.ProjectId, call.Id)] = call;
            if (!callsByOp.TryGetValue((call.ProjectId, call.OpName), out var sameOp))
            {
                callsByOp[(call.ProjectId, call.OpName)] = sameOp = new List<CallRecord>();
            }
            sameOp.Add(call);
            if (call.ParentId is not null)
            {
                if (!children.TryGetValue((call.ProjectId, call.ParentId), out var list))
                {
                    children[(call.ProjectId, call.ParentId)] = list = new List<CallRecord>();
                }
                list.Add(call);
            }
        }

        public void AddObject(ObjectVersion obj)
        {
            gate.EnterWriteLock();
            try { objects.Add(obj); version++; }
            finally { gate.ExitWriteLock(); }
        }

        public void AddTableRow(string projectId, string rowDigest, byte[] rowJson)
        {
            gate.EnterWriteLock();
            try { tableRows[(projectId, rowDigest)] = rowJson; version++; }
            finally { gate.ExitWriteLock(); }
        }

        /// <summary>
        /// Stores a written call start. A start whose id is already stored is a resend (the SDK re-queues a
        /// failed batch) and changes nothing; an end that arrived first is applied now.
        /// </summary>
        public void StartCall(CallRecord call)
        {
            gate.EnterWriteLock();
            try
            {
                if (callsById.ContainsKey((call.ProjectId, call.Id))) return;
                Insert(call);
                if (unmatchedEnds.Remove((call.ProjectId, call.Id), out var end)) end.ApplyTo(call);
                version++;
            }
            finally { gate.ExitWriteLock(); }
        }

        /// <summary>
        /// Applies a written call end, or keeps it until its start arrives (the trace server merges the
        /// two halves of a call whenever both are there).
        /// </summary>
        public void EndCall(string projectId, string id, CallEnd end)
        {
            gate.EnterWriteLock();
            try
            {
                if (callsById.TryGetValue((projectId, id), out var call))
                {
                    end.ApplyTo(call);
                    version++;
                    return;
                }
                unmatchedEnds[(projectId, id)] = end;
            }
            finally { gate.ExitWriteLock(); }
        }

        /// <summary>
        /// Stores a version of an object unless the same content is already the object's version (then
        /// that one is returned): the SDK re-saves unchanged objects, concurrently, and they stay one version.
        /// </summary>
        public ObjectVersion AddObjectVersion(string projectId, string objectId, string digest, byte[] value, string? baseObjectClass, DateTime createdAt)
        {
            gate.EnterWriteLock();
            try
            {
                var versions = objects.Where(o => o.ProjectId == projectId && o.ObjectId == objectId).ToList();
                var existing = versions.Find(o => o.Digest == digest);
                if (existing is not null) return existing;
                var created = new ObjectVersion
                {
                    ProjectId = projectId,
                    ObjectId = objectId,
                    Digest = digest,
                    VersionIndex = versions.Count,
                    CreatedAt = createdAt,
                    BaseObjectClass = baseObjectClass,
                    Value = value,
                };
                objects.Add(created);
                version++;
                return created;
            }
            finally { gate.ExitWriteLock(); }
        }

        /// <summary>Stores a table: its rows by digest and their order under the table digest.</summary>
        public void AddTable(string projectId, string tableDigest, IReadOnlyList<(string Digest, byte[] Json)> rows)
        {
            gate.EnterWriteLock();
            try
            {
                foreach (var (digest, json) in rows) tableRows[(projectId, digest)] = json;
                tables[(projectId, tableDigest)] = rows.Select(r => r.Digest).ToArray();
                version++;
            }
            finally { gate.ExitWriteLock(); }
        }

        /// <summary>The row digests of a stored table in insertion order, or null for an unknown table.</summary>
        public IReadOnlyList<string>? TableRowDigests(string projectId, string tableDigest)
        {
            gate.EnterReadLock();
            try { return tables.TryGetValue((projectId, tableDigest), out var digests) ? digests : null; }
            finally { gate.ExitReadLock(); }
        }

        public void AddFile(string projectId, string digest, byte[] content)
        {
            gate.EnterWriteLock();
            try { files[(projectId, digest)] = content; version++; }
            finally { gate.ExitWriteLock(); }
        }

        public byte[]? GetFile(string projectId, string digest)
        {
            gate.EnterReadLock();
            try { return files.TryGetValue((projectId, digest), out var content) ? content : null; }
            finally { gate.ExitReadLock(); }
        }

        public void AddFeedback(FeedbackRecord item)
        {
            gate.EnterWriteLock();
            try { feedback.Add(item); version++; }
            finally { gate.ExitWriteLock(); }
        }

        /// <summary>Feedback attached to a ref (a call's <c>weave:///e/p/call/&lt;id&gt;</c>), oldest first.</summary>
        public IReadOnlyList<FeedbackRecord> FeedbackFor(string projectId, string weaveRef)
        {
            gate.EnterReadLock();
            try { return feedback.Where(f => f.ProjectId == projectId && f.WeaveRef == weaveRef).ToList(); }
            finally { gate.ExitReadLock(); }
        }

        /// <summary>Marks a call (and nothing else) deleted.</summary>
        public bool DeleteCall(string projectId, string id, DateTime when)
        {
            gate.EnterWriteLock();
            try
            {
                if (!callsById.TryGetValue((projectId, id), out var call) || call.DeletedAt is not null) return false;
                call.DeletedAt = when;
                version++;
                return true;
            }
            finally { gate.ExitWriteLock(); }
        }

        /// <summary>Records a change made directly on a stored record (end time, output …).</summary>
        public void Touch() => Interlocked.Increment(ref version);

        /// <summary>A live (not deleted) call, or null.</summary>
        public CallRecord? GetCall(string projectId, string id)
        {
            gate.EnterReadLock();
            try { return callsById.TryGetValue((projectId, id), out var call) && call.DeletedAt is null ? call : null; }
            finally { gate.ExitReadLock(); }
        }

        /// <summary>Live direct children of a call, in insertion order.</summary>
        public IReadOnlyList<CallRecord> Children(string projectId, string parentId)
        {
            gate.EnterReadLock();
            try
            {
                return children.TryGetValue((projectId, parentId), out var list)
                    ? list.Where(c => c.DeletedAt is null).ToList()
                    : Array.Empty<CallRecord>();
            }
            finally { gate.ExitReadLock(); }
        }

        /// <summary>Snapshot of the live calls of a project, in insertion order.</summary>
        public IReadOnlyList<CallRecord> Calls(string projectId)
        {
            gate.EnterReadLock();
            try { return calls.Where(c => c.ProjectId == projectId && c.DeletedAt is null).ToList(); }
            finally { gate.ExitReadLock(); }
        }

        /// <summary>The distinct op names used by calls of a project (an index: the op filter of a calls query looks here first).</summary>
        public IReadOnlyList<string> OpNames(string projectId)
        {
            gate.EnterReadLock();
            try { return callsByOp.Keys.Where(k => k.Project == projectId).Select(k => k.OpName).ToList(); }
            finally { gate.ExitReadLock(); }
        }

        /// <summary>Snapshot of the live calls of one op, in insertion order.</summary>
        public IReadOnlyList<CallRecord> CallsOfOp(string projectId, string opName)
        {
            gate.EnterReadLock();
            try
            {
                return callsByOp.TryGetValue((projectId, opName), out var list)
                    ? list.Where(c => c.DeletedAt is null).ToList()
                    : Array.Empty<CallRecord>();
            }
            finally { gate.ExitReadLock(); }
        }

        /// <summary>Versions of an object id, oldest first (deleted ones included; callers decide).</summary>
        public IReadOnlyList<ObjectVersion> ObjectVersions(string projectId, string objectId)
        {
            gate.EnterReadLock();
            try { return objects.Where(o => o.ProjectId == projectId && o.ObjectId == objectId).OrderBy(o => o.VersionIndex).ToList(); }
            finally { gate.ExitReadLock(); }
        }

        /// <summary>Snapshot of all object versions of a project.</summary>
        public IReadOnlyList<ObjectVersion> Objects(string projectId)
        {
            gate.EnterReadLock();
            try { return objects.Where(o => o.ProjectId == projectId).ToList(); }
            finally { gate.ExitReadLock(); }
        }

        /// <summary>Resolves a version spec (digest, <c>latest</c>, <c>v&lt;n&gt;</c>) to a stored version, or null.</summary>
        public ObjectVersion? ResolveObject(string projectId, string objectId, string versionSpec)
        {
            var versions = ObjectVersions(projectId, objectId);
            if (versions.Count == 0) return null;
            if (versionSpec == "latest") return versions[^1];
            if (versionSpec.Length > 1 && versionSpec[0] == 'v' && int.TryParse(versionSpec.AsSpan(1), out var index))
            {
                return versions.FirstOrDefault(v => v.VersionIndex == index);
            }
            return versions.FirstOrDefault(v => v.Digest == versionSpec);
        }

        public byte[]? GetTableRow(string projectId, string rowDigest)
        {
            gate.EnterReadLock();
            try { return tableRows.TryGetValue((projectId, rowDigest), out var row) ? row : null; }
            finally { gate.ExitReadLock(); }
        }

        public IReadOnlyList<string> ProjectIds()
        {
            gate.EnterReadLock();
            try { return calls.Select(c => c.ProjectId).Concat(objects.Select(o => o.ProjectId)).Distinct().ToList(); }
            finally { gate.ExitReadLock(); }
        }
    }
}
