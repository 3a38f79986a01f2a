using System.IO.Pipelines;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// The process's stdin/stdout: a person at a terminal, or a parent process. Ends at EOF, or when
/// <c>RunAsync</c>'s token fires (a signal): on Linux stdin is read through poll(2), so a read waiting
/// for a quiet parent or a person does not hold the program open. A terminal on stdin is put in
/// session mode for as long as the channel runs (<see cref="StdioTerminal"/>).
/// </summary>
internal static class StdioChannel
{
    private const int StdinFd = 0;

    public static async Task RunAsync(HostLine line, StdioTerminal? terminal, CancellationToken cancellationToken)
    {
        try
        {
            // Blocking stays on: O_NONBLOCK would change the descriptor the parent (a shell) shares.
            Stream stdin = OperatingSystem.IsLinux() ? new FdStream(StdinFd, ownsFd: false, setNonBlocking: false) : Console.OpenStandardInput();
            await using (stdin.ConfigureAwait(false))
            {
                var input = PipeReader.Create(stdin, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true));
                var output = PipeWriter.Create(Console.OpenStandardOutput(), new StreamPipeWriterOptions(leaveOpen: true));
                await line.ServeAsync(new DuplexPipe(input, output), terminal is null ? "stdio" : "stdio (a terminal)", cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            terminal?.Dispose();
        }
    }
}

/// <summary>A reader and a writer as one <see cref="IDuplexPipe"/>.</summary>
internal sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe
{
    /// <summary>
    /// Completes both sides of a host connection that has ended. Completing a writer flushes what it
    /// still holds, which fails when the host is gone; that is no error of the channel's.
    /// </summary>
    public async Task CompleteQuietlyAsync()
    {
        try
        {
            await Input.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
        }

        try
        {
            await Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
        }
    }
}
