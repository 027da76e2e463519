using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Writes evaluation results to a culture-invariant CSV file: the columns of the first object (the
    /// same columns Export-Csv would write), ISO 8601 UTC dates, '.' decimals, true/false, JSON for
    /// nested values, UTF-8 without BOM.
    /// </summary>
    [Cmdlet(VerbsData.Export, "WeaveEvalResult", DefaultParameterSetName = DefaultSet, SupportsShouldProcess = true)]
    public sealed class ExportWeaveEvalResultCommand : PSCmdlet, IDisposable
    {
        public const string DefaultSet = "Default";

        private static readonly Encoding Utf8NoBom = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

        private string? resolvedPath;
        private bool confirmed;
        private StreamWriter? writer;
        private List<string>? columns;

        [Parameter(ParameterSetName = DefaultSet, Mandatory = true, Position = 0)]
        [Alias("LiteralPath", "PSPath")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [AllowNull]
        public PSObject? InputObject { get; set; }

        /// <summary>Add to the end of an existing file, in the columns of its header.</summary>
        [Parameter]
        public SwitchParameter Append { get; set; }

        /// <summary>Overwrite a read-only file.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Refuse to overwrite an existing file.</summary>
        [Parameter]
        [Alias("NoOverwrite")]
        public SwitchParameter NoClobber { get; set; }

        protected override void BeginProcessing()
        {
            resolvedPath = GetUnresolvedProviderPathFromPSPath(Path);
            confirmed = ShouldProcess(resolvedPath, Append ? "Append evaluation results" : "Export evaluation results");
            if (!confirmed) return;
            if (NoClobber && !Append && File.Exists(resolvedPath))
            {
                var exists = new IOException($"The file '{resolvedPath}' already exists (-NoClobber).");
                ThrowTerminatingError(new ErrorRecord(exists, "WeaveEval.FileExists", ErrorCategory.ResourceExists, resolvedPath));
            }
        }

        protected override void ProcessRecord()
        {
            if (!confirmed || InputObject == null) return;
            if (writer == null) Open(InputObject);
            var row = InputObject;
            InvariantCsv.WriteRecord(writer!, columns!.Select(name => InvariantCsv.Format(row.Properties[name]?.Value)));
        }

        protected override void EndProcessing()
        {
            if (confirmed && writer == null && !Append) Open(null);
            Close();
        }

        public void Dispose()
        {
            Close();
            GC.SuppressFinalize(this);
        }

        /// <summary>
        /// Opens the file; the header comes from the first object, or, when appending to a file that
        /// has one, from that file's header.
        /// </summary>
        private void Open(PSObject? first)
        {
            var path = resolvedPath!;
            try
            {
                List<string>? existingHeader = null;
                if (Append && File.Exists(path)) existingHeader = ReadHeader(path);
                if (Force && File.Exists(path))
                {
                    var attributes = File.GetAttributes(path);
                    if ((attributes & FileAttributes.ReadOnly) != 0) File.SetAttributes(path, attributes & ~FileAttributes.ReadOnly);
                }
                var stream = new FileStream(path, existingHeader != null ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read);
                writer = new StreamWriter(stream, Utf8NoBom);
                columns = existingHeader ?? ColumnsOf(first);
                if (existingHeader == null && columns.Count > 0) InvariantCsv.WriteRecord(writer, columns);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "WeaveEval.FileWriteFailed", ErrorCategory.WriteError, path));
            }
        }

        private static List<string>? ReadHeader(string path)
        {
            using (var reader = new StreamReader(path, Utf8NoBom, detectEncodingFromByteOrderMarks: true))
            {
                var line = reader.ReadLine();
                return string.IsNullOrEmpty(line) ? null : InvariantCsv.ParseHeader(line!);
            }
        }

        /// <summary>The properties Export-Csv would write, in its order.</summary>
        private static List<string> ColumnsOf(PSObject? first)
        {
            var names = new List<string>();
            if (first == null) return names;
            foreach (var property in first.Properties)
            {
                if (property.IsGettable) names.Add(property.Name);
            }
            return names;
        }

        private void Close()
        {
            writer?.Dispose();
            writer = null;
        }
    }
}
