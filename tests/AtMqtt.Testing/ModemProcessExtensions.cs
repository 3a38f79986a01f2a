namespace AtMqtt.Testing;

/// <summary>Starting the program until it says it is ready, and stopping it as a service manager does.</summary>
public static class ModemProcessExtensions
{
    /// <summary>Generous: several modems, brokers and hosts share two cores.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>How long the program may take to start: the runtime's start-up on a starved machine takes more than a command.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    extension(ModemProcess)
    {
        /// <summary>
        /// Starts the program with <paramref name="args"/> and waits until its stderr contains
        /// <paramref name="readyLog"/> (the line its channel logs once it can take a host); kills it if that
        /// does not come.
        /// </summary>
        public static async Task<ModemProcess> StartAndWaitForAsync(string readyLog, params string[] args)
        {
            var modem = await ModemProcess.StartAsync(args);
            try
            {
                await modem.WaitForStdErrAsync(readyLog, StartTimeout);
                return modem;
            }
            catch
            {
                await modem.DisposeAsync();
                throw;
            }
        }
    }

    extension(ModemProcess modem)
    {
        /// <summary>Waits until the program's stderr contains <paramref name="text"/> at least <paramref name="count"/> times; returns the whole stderr.</summary>
        public async Task<string> WaitForStdErrAsync(string text, int count, TimeSpan? timeout = null)
        {
            var deadline = DateTime.UtcNow + (timeout ?? Timeout);
            while (true)
            {
                string all = modem.StdErr;
                if (Occurrences(all, text) >= count)
                {
                    return all;
                }

                if (DateTime.UtcNow > deadline || modem.HasExited)
                {
                    throw new TimeoutException($"{Occurrences(all, text)} of {count} \"{text}\" in the modem's stderr (exited: {modem.HasExited}). Stderr:\n{all}");
                }

                await Task.Delay(50); // the poll period: how late a new line is seen
            }
        }

        /// <summary>Asks the program to stop as a service manager does (SIGTERM) and returns its exit code.</summary>
        public async Task<int> TerminateAsync()
        {
            Signals.Send(modem.Pid, Signals.Term);
            return await modem.WaitForExitAsync(Timeout);
        }
    }

    private static int Occurrences(string text, string what)
    {
        int n = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
