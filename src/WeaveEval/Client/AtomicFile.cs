using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace WeaveEval.Client
{
    /// <summary>
    /// Writes a file so that readers see either the old content or the new, never a half-written file: the content
    /// goes to a temporary file beside the target (same folder, so the same volume), is flushed to disk, and then
    /// replaces the target by rename (File.Replace: ReplaceFile on Windows, which keeps the target's ACL and
    /// attributes; rename(2) elsewhere). Disposing without <see cref="Commit"/> deletes the temporary file and leaves
    /// the target as it was.
    /// </summary>
    /// <remarks>
    /// Windows refuses to replace a file that another process holds open without FILE_SHARE_DELETE (Excel holds a
    /// workbook open that way; so do .NET readers that pass only FileShare.Read). Short holds — virus scanners, the
    /// search indexer, a reader finishing — are waited out with a few retries; a holder that stays is reported as an
    /// <see cref="IOException"/> naming the file, with the old content intact and the temporary file removed.
    /// Readers of files written this way should open them with <see cref="OpenRead"/>, which never blocks a replace.
    /// </remarks>
    internal sealed class AtomicFile : IDisposable
    {
        /// <summary>The waits between replace attempts: about 1.5 s in all.</summary>
        public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays = Array.ConvertAll(new[] { 50, 100, 200, 400, 800 }, ms => TimeSpan.FromMilliseconds(ms));

        private readonly IReadOnlyList<TimeSpan> retryDelays;
        private readonly Action<TimeSpan> sleep;
        private FileStream? stream;
        private bool committed;

        private AtomicFile(string targetPath, string temporaryPath, FileStream stream, IReadOnlyList<TimeSpan> retryDelays, Action<TimeSpan> sleep)
        {
            TargetPath = targetPath;
            TemporaryPath = temporaryPath;
            this.stream = stream;
            this.retryDelays = retryDelays;
            this.sleep = sleep;
        }

        public string TargetPath { get; }

        public string TemporaryPath { get; }

        /// <summary>Where the new content goes; valid until <see cref="Commit"/> or <see cref="Dispose"/>.</summary>
        public Stream Stream => stream ?? throw new ObjectDisposedException(nameof(AtomicFile));

        /// <summary>Starts the replacement of <paramref name="targetPath"/> (which need not exist yet).</summary>
        public static AtomicFile Create(string targetPath) => Create(targetPath, DefaultRetryDelays, Thread.Sleep);

        internal static AtomicFile Create(string targetPath, IReadOnlyList<TimeSpan> retryDelays, Action<TimeSpan> sleep)
        {
            if (string.IsNullOrEmpty(targetPath)) throw new ArgumentException("A target path is required.", nameof(targetPath));
            var fullPath = Path.GetFullPath(targetPath);
            var directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{targetPath}' has no folder.", nameof(targetPath));
            // Hidden on Unix by the leading dot, unique so that two writers of the same target never share one.
            var temporaryPath = Path.Combine(directory, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N").Substring(0, 12) + ".tmp");
            var stream = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920);
            return new AtomicFile(fullPath, temporaryPath, stream, retryDelays, sleep);
        }

        /// <summary>Opens a file for reading without ever standing in the way of an <see cref="AtomicFile"/> replacing it.</summary>
        public static FileStream OpenRead(string path) =>
            new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920);

        /// <summary>Flushes the new content to disk and puts it in place of the target.</summary>
        public void Commit()
        {
            if (committed) return;
            var written = stream ?? throw new ObjectDisposedException(nameof(AtomicFile));
            try
            {
                written.Flush(flushToDisk: true);
            }
            finally
            {
                written.Dispose();
                stream = null;
            }

            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    ReplaceOnce();
                    committed = true;
                    return;
                }
                catch (Exception e) when (IsPossiblyTransient(e) && attempt < retryDelays.Count)
                {
                    sleep(retryDelays[attempt]);
                }
                catch (Exception e) when (IsPossiblyTransient(e))
                {
                    DeleteTemporary();
                    throw new IOException(
                        $"Could not replace '{TargetPath}': {e.Message} Another program may hold it open (Excel does while a workbook is open); close it and run the command again. The file keeps its previous content.",
                        e);
                }
            }
        }

        public void Dispose()
        {
            if (committed) return;
            stream?.Dispose();
            stream = null;
            DeleteTemporary();
        }

        private void ReplaceOnce()
        {
            if (File.Exists(TargetPath))
            {
                File.Replace(TemporaryPath, TargetPath, destinationBackupFileName: null, ignoreMetadataErrors: true);
            }
            else
            {
                // If another writer creates the target in between, the move fails and the next attempt replaces it.
                File.Move(TemporaryPath, TargetPath);
            }
        }

        /// <summary>Sharing violations, access denied while a scanner holds the file, a target that appeared meanwhile.</summary>
        private static bool IsPossiblyTransient(Exception e) =>
            e is UnauthorizedAccessException
            || (e is IOException && !(e is FileNotFoundException) && !(e is DirectoryNotFoundException) && !(e is PathTooLongException));

        private void DeleteTemporary()
        {
            try
            {
                File.Delete(TemporaryPath);
            }
            catch (IOException)
            {
                // Best effort: a leftover hidden .tmp file is harmless and the original failure matters more.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
