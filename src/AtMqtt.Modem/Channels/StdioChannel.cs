using System.IO.Pipelines;

namespace AtMqtt.Cli.Channels;

/// <summary>The process's stdin/stdout: a person at a terminal, or a parent process. Ends at EOF.</summary>
internal static class StdioChannel
{
    public static async Task RunAsync(HostLine line, CancellationToken cancellationToken)
    {
        var input = PipeReader.Create(Console.OpenStandardInput(), new StreamPipeReaderOptions(bufferSize: 4096));
        var output = PipeWriter.Create(Console.OpenStandardOutput(), new StreamPipeWriterOptions(leaveOpen: true));
        await line.ServeAsync(new DuplexPipe(input, output), "stdio", cancellationToken).ConfigureAwait(false);
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
