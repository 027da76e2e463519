using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Runs work queued by other threads (log lines, progress) on the pipeline thread while that
    /// thread waits for a task: PowerShell's Write* methods may only be called from the pipeline thread.
    /// </summary>
    internal sealed class PipelineDispatcher : IDisposable
    {
        private readonly ConcurrentQueue<Action> pending = new ConcurrentQueue<Action>();
        private readonly AutoResetEvent signal = new AutoResetEvent(false);

        /// <summary>Queues an action for the pipeline thread; safe from any thread.</summary>
        public void Post(Action action)
        {
            pending.Enqueue(action);
            signal.Set();
        }

        /// <summary>Runs every queued action; call only on the pipeline thread.</summary>
        public void Drain()
        {
            while (pending.TryDequeue(out var action)) action();
        }

        /// <summary>Blocks the pipeline thread until the task ends, running queued actions meanwhile.</summary>
        public T Await<T>(Task<T> task)
        {
            WaitPumping(task);
            return task.GetAwaiter().GetResult();
        }

        public void Await(Task task)
        {
            WaitPumping(task);
            task.GetAwaiter().GetResult();
        }

        public T Await<T>(ValueTask<T> task) => task.IsCompleted ? Finish(task) : Await(task.AsTask());

        private T Finish<T>(ValueTask<T> task)
        {
            Drain();
            return task.GetAwaiter().GetResult();
        }

        private void WaitPumping(Task task)
        {
            if (!task.IsCompleted)
            {
                task.ContinueWith(_ => signal.Set(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                while (!task.IsCompleted)
                {
                    Drain();
                    if (!task.IsCompleted) signal.WaitOne();
                }
            }
            Drain();
        }

        public void Dispose() => signal.Dispose();
    }

    /// <summary>The core's log, forwarded to the cmdlet's streams on the pipeline thread.</summary>
    internal sealed class PipelineLog : IWeaveLog
    {
        private readonly PipelineDispatcher dispatcher;
        private readonly Action<string> verbose;
        private readonly Action<string> debug;
        private readonly Action<string> warning;

        public PipelineLog(PipelineDispatcher dispatcher, Action<string> verbose, Action<string> debug, Action<string> warning)
        {
            this.dispatcher = dispatcher;
            this.verbose = verbose;
            this.debug = debug;
            this.warning = warning;
        }

        public void Verbose(string message) => dispatcher.Post(() => verbose(message));

        public void Debug(string message) => dispatcher.Post(() => debug(message));

        public void Warning(string message) => dispatcher.Post(() => warning(message));
    }
}
