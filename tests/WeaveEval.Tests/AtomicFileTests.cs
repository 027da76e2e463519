using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using WeaveEval.Client;

namespace WeaveEval.Tests
{
    /// <summary>
    /// The atomic replace, as far as Linux can show it: rename semantics, no half-written target, no temporary file
    /// left behind on failure, retries before giving up. (Windows' sharing rules cannot be reproduced here.)
    /// </summary>
    public class AtomicFileTests
    {
        private static void Write(AtomicFile file, string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            file.Stream.Write(bytes, 0, bytes.Length);
        }

        private static string[] Leftovers(ScratchFolder folder) =>
            Directory.GetFiles(folder.Path, "*.tmp", SearchOption.AllDirectories).Select(Path.GetFileName).ToArray()!;

        [Fact]
        public void Creates_a_new_file_and_replaces_an_existing_one()
        {
            using var folder = new ScratchFolder();
            var target = folder.Combine("results.csv");
            using (var file = AtomicFile.Create(target))
            {
                Assert.Equal(folder.Path, Path.GetDirectoryName(file.TemporaryPath));
                Write(file, "first");
                Assert.False(File.Exists(target));
                file.Commit();
            }
            Assert.Equal("first", File.ReadAllText(target));

            using (var file = AtomicFile.Create(target))
            {
                Write(file, "second");
                Assert.Equal("first", File.ReadAllText(target));
                file.Commit();
            }
            Assert.Equal("second", File.ReadAllText(target));
            Assert.Empty(Leftovers(folder));
        }

        [Fact]
        public void Replaces_a_target_another_handle_has_open_for_reading()
        {
            using var folder = new ScratchFolder();
            var target = folder.Combine("state.json");
            File.WriteAllText(target, "old");
            using var reader = AtomicFile.OpenRead(target);

            using (var file = AtomicFile.Create(target))
            {
                Write(file, "new");
                file.Commit();
            }

            Assert.Equal("new", File.ReadAllText(target));
            // The open handle keeps reading the file it opened: a reader never sees a mix of old and new.
            using var text = new StreamReader(reader);
            Assert.Equal("old", text.ReadToEnd());
        }

        [Fact]
        public void Abandoning_the_write_keeps_the_old_file_and_removes_the_temporary_one()
        {
            using var folder = new ScratchFolder();
            var target = folder.Combine("results.csv");
            File.WriteAllText(target, "old");
            using (var file = AtomicFile.Create(target))
            {
                Write(file, "half a fi");
            }
            Assert.Equal("old", File.ReadAllText(target));
            Assert.Empty(Leftovers(folder));
        }

        [Fact]
        public void A_replace_that_keeps_failing_is_retried_then_reported_leaving_the_old_target_and_no_temporary_file()
        {
            using var folder = new ScratchFolder();
            // A folder where the file should go cannot be replaced by a file, on any system.
            var target = folder.Combine("results.csv");
            Directory.CreateDirectory(target);
            File.WriteAllText(Path.Combine(target, "inside.txt"), "old");
            var waits = new List<TimeSpan>();
            var delays = new[] { TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2) };

            using var file = AtomicFile.Create(target, delays, waits.Add);
            Write(file, "new");
            var error = Assert.Throws<IOException>(() => file.Commit());

            Assert.Equal(delays, waits);
            Assert.StartsWith($"Could not replace '{target}': ", error.Message);
            Assert.EndsWith("The file keeps its previous content.", error.Message);
            Assert.NotNull(error.InnerException);
            Assert.Equal("old", File.ReadAllText(Path.Combine(target, "inside.txt")));
            Assert.Empty(Leftovers(folder));
        }

        [Fact]
        public void Temporary_files_of_two_writers_of_one_target_never_collide()
        {
            using var folder = new ScratchFolder();
            var target = folder.Combine("results.csv");
            using var first = AtomicFile.Create(target);
            using var second = AtomicFile.Create(target);
            Assert.NotEqual(first.TemporaryPath, second.TemporaryPath);
            Write(first, "first");
            Write(second, "second");
            first.Commit();
            second.Commit();
            Assert.Equal("second", File.ReadAllText(target));
            Assert.Empty(Leftovers(folder));
        }
    }
}
