using System.IO.Pipelines;
using System.Text;
using AtMqtt.Core.Output;
using Xunit;

namespace AtMqtt.Core.Tests.Instrument;

/// <summary>
/// urc-in-prompt with a URC already waiting: the output writer lets exactly that one out while the
/// prompt's response is open, between OK and '>' (FaultsTests covers the modem with none waiting).
/// </summary>
public sealed class UrcInPromptTests
{
    [Fact]
    public async Task A_waiting_urc_goes_out_between_OK_and_the_prompt_and_the_next_waits_again()
    {
        var pipe = new Pipe();
        var output = new OutputWriter();
        await output.AttachAsync(pipe.Writer, "ready\r\n"u8.ToArray());
        await output.WriteAsync("AT+MQTTPUBRAW=0,\"t\",1,0,0\r\n\r\nOK\r\n"u8.ToArray(), ResponseEffect.Open);

        // Two URCs wait for the response to close.
        var first = output.WriteUrcAsync("+MQTTSUBRECV:0,\"t\",1,a\r\n"u8.ToArray(), CancellationToken.None).AsTask();
        var second = output.WriteUrcAsync("+MQTTSUBRECV:0,\"t\",1,b\r\n"u8.ToArray(), CancellationToken.None).AsTask();
        Assert.True(await output.AdmitOneUrcAsync(TimeSpan.FromSeconds(15)));
        await output.WriteAsync("\r\n>"u8.ToArray(), ResponseEffect.Open);
        var written = await Task.WhenAny(first, second);

        // Only one went out; the other waits for the response to close.
        Assert.False(first.IsCompleted && second.IsCompleted);
        string a = written == first ? "a" : "b", b = written == first ? "b" : "a";
        await output.WriteAsync("\r\n+MQTTPUBRAW:OK\r\n"u8.ToArray(), ResponseEffect.Close);
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(15));
        pipe.Writer.Complete();

        var all = await ReadAllAsync(pipe.Reader);
        Assert.Equal(
            $"ready\r\nAT+MQTTPUBRAW=0,\"t\",1,0,0\r\n\r\nOK\r\n+MQTTSUBRECV:0,\"t\",1,{a}\r\n\r\n>\r\n+MQTTPUBRAW:OK\r\n+MQTTSUBRECV:0,\"t\",1,{b}\r\n",
            all);
    }

    [Fact]
    public async Task With_none_waiting_nothing_is_let_out_later()
    {
        var pipe = new Pipe();
        var output = new OutputWriter();
        await output.AttachAsync(pipe.Writer, "ready\r\n"u8.ToArray());
        await output.WriteAsync("\r\nOK\r\n"u8.ToArray(), ResponseEffect.Open);
        Assert.False(await output.AdmitOneUrcAsync(TimeSpan.FromMilliseconds(50)));

        // A URC that comes after the admission was withdrawn waits for the response to close.
        var late = output.WriteUrcAsync("WIFI GOT IP\r\n"u8.ToArray(), CancellationToken.None).AsTask();
        await output.WriteAsync("\r\n>"u8.ToArray(), ResponseEffect.Open);
        Assert.False(late.IsCompleted);
        await output.WriteAsync("\r\nOK\r\n"u8.ToArray(), ResponseEffect.Close);
        await late.WaitAsync(TimeSpan.FromSeconds(15));
        pipe.Writer.Complete();
        Assert.Equal("ready\r\n\r\nOK\r\n\r\n>\r\nOK\r\nWIFI GOT IP\r\n", await ReadAllAsync(pipe.Reader));
    }

    private static async Task<string> ReadAllAsync(PipeReader reader)
    {
        var text = new StringBuilder();
        while (true)
        {
            var result = await reader.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                text.Append(Encoding.Latin1.GetString(segment.Span));
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return text.ToString();
            }
        }
    }
}
