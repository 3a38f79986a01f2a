using System.IO.Pipelines;
using AtMqtt.Core;

namespace AtMqtt.Cli.Channels;

/// <summary>The process's stdin/stdout: a person at a terminal, or a parent process. Ends at EOF.</summary>
internal static class StdioChannel
{
    public static async Task RunAsync(Modem modem, CancellationToken cancellationToken)
    {
        var input = PipeReader.Create(Console.OpenStandardInput(), new StreamPipeReaderOptions(bufferSize: 4096));
        var output = PipeWriter.Create(Console.OpenStandardOutput(), new StreamPipeWriterOptions(leaveOpen: true));
        await modem.RunAsync(new DuplexPipe(input, output), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A reader and a writer as one <see cref="IDuplexPipe"/>.</summary>
internal sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
