using System.Runtime.CompilerServices;

namespace WeaveEval
{
    /// <summary>
    /// <c>[MethodImpl(HotPath.Optimize)]</c> marks the methods every result row runs through (parsing a
    /// page, writing a row), the small ones called per cell included: instrumented, those cost a fresh
    /// process's first 100k-trial direct export about a quarter of its CPU (bench/README.md). A scheduled export runs in a fresh process: with tiered compilation those
    /// methods would spend most of a 100k-row export in unoptimised and then instrumented code before the
    /// runtime promotes them, so they are compiled fully optimised on first call instead. The flag is
    /// <c>MethodImplOptions.AggressiveOptimization</c> (512), which netstandard2.0 does not name; .NET
    /// Framework ignores it.
    /// </summary>
    internal static class HotPath
    {
        public const MethodImplOptions Optimize = (MethodImplOptions)512;
    }
}
