using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>
    /// The file an export writes, through <see cref="AtomicFile"/>: the new content goes to a temporary file
    /// beside the target and replaces it only on <see cref="Commit"/>, so a failure or Ctrl+C leaves the
    /// previous file as it was. Appending copies the previous content into the temporary file first.
    /// </summary>
    internal sealed class ExportTarget : IDisposable
    {
        private static readonly byte[] ByteOrderMark = new UTF8Encoding(encoderShouldEmitUTF8Identifier: true).GetPreamble();

        private readonly AtomicFile file;

        private ExportTarget(AtomicFile file, List<string>? existingHeader, bool hasContent, bool endsWithLineBreak)
        {
            this.file = file;
            ExistingHeader = existingHeader;
            HasContent = hasContent;
            EndsWithLineBreak = endsWithLineBreak;
        }

        public string Path => file.TargetPath;

        /// <summary>The CSV header of the file appended to (null for a new or empty file).</summary>
        public List<string>? ExistingHeader { get; }

        /// <summary>The previous content was copied (appending to a non-empty file).</summary>
        public bool HasContent { get; }

        /// <summary>The previous content ends with a line break (or there is none).</summary>
        public bool EndsWithLineBreak { get; }

        /// <summary>
        /// Where the new content goes, as UTF-8: after the previous content when appending, after the byte order
        /// mark in a new file of a BOM encoding (an appended file keeps its own start).
        /// </summary>
        public Stream Stream => file.Stream;

        /// <summary>
        /// Starts writing <paramref name="path"/>. With <paramref name="append"/>, an existing file's content is
        /// copied first and, when <paramref name="readCsvHeader"/>, its first line is read as a CSV header.
        /// </summary>
        public static ExportTarget Open(string path, bool append, bool byteOrderMark, bool readCsvHeader)
        {
            var file = AtomicFile.Create(path);
            try
            {
                List<string>? header = null;
                var hasContent = false;
                var endsWithLineBreak = true;
                if (append && File.Exists(file.TargetPath))
                {
                    using (var previous = AtomicFile.OpenRead(file.TargetPath))
                    {
                        var buffer = new byte[81920];
                        int read;
                        while ((read = previous.Read(buffer, 0, buffer.Length)) > 0)
                        {
                            file.Stream.Write(buffer, 0, read);
                            hasContent = true;
                            endsWithLineBreak = buffer[read - 1] == (byte)'\n';
                        }
                    }
                    if (hasContent && readCsvHeader) header = ReadHeader(file.TargetPath);
                }
                if (byteOrderMark && !hasContent) file.Stream.Write(ByteOrderMark, 0, ByteOrderMark.Length);
                return new ExportTarget(file, header, hasContent, endsWithLineBreak);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        /// <summary>Puts the new content in place of the target (see <see cref="AtomicFile.Commit"/>).</summary>
        public FileInfo Commit()
        {
            file.Commit();
            return new FileInfo(file.TargetPath);
        }

        /// <summary>Without <see cref="Commit"/>: removes the temporary file, the target keeps its previous content.</summary>
        public void Dispose() => file.Dispose();

        private static List<string>? ReadHeader(string path)
        {
            using (var reader = new StreamReader(AtomicFile.OpenRead(path), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true))
            {
                var line = reader.ReadLine();
                return string.IsNullOrEmpty(line) ? null : InvariantCsv.ParseHeader(line!);
            }
        }
    }
}
