using System.Text;
using Xunit;

namespace AtMqtt.Core.Tests.Engine;

/// <summary>Random binary lines: no crash, exactly one final result per line, and AT still OK.</summary>
public class RandomLineTests
{
    private static readonly string[] Prefixes =
    [
        "", "", "AT", "AT+", "AT+MQTTUSERCFG=", "AT+MQTTCONNCFG=", "AT+MQTTCONN=", "AT+MQTTPUB=", "AT+MQTTPUBRAW=",
        "AT+MQTTSUB=", "AT+MQTTUNSUB=", "AT+MQTTCLEAN=", "AT+SYSLOG=", "AT+MQTTPUB=0,\"", "AT+MQTTUSERCFG=0,1,\"",
    ];

    private static readonly System.Text.RegularExpressions.Regex ErrorReply = new(@"\A(ERR CODE:0x[0-9a-f]{8}\r\n)?\r\nERROR\r\n\z");

    private static byte[] RandomLine(Random random)
    {
        var prefix = Prefixes[random.Next(Prefixes.Length)];
        int length = random.Next(4) switch
        {
            0 => random.Next(1, 8),
            1 => random.Next(1, 64),
            2 => random.Next(240, 270),
            _ => random.Next(1, 1200),
        };
        var line = new byte[Math.Max(length, prefix.Length + 1)];
        Encoding.ASCII.GetBytes(prefix).CopyTo(line, 0);
        for (int i = prefix.Length; i < line.Length; i++)
        {
            // Any byte but the terminators, with the parser's favourite characters more often.
            byte b = random.Next(3) == 0 ? (byte)",\"\\0123AT=?+#/ "[random.Next(15)] : (byte)random.Next(256);
            line[i] = b is (byte)'\r' or (byte)'\n' ? (byte)'x' : b;
        }

        return line;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Random_binary_lines_each_get_one_final_result(int seed)
    {
        var random = new Random(seed * 7919);
        await using var s = await InMemoryModem.StartAsync();
        for (int n = 0; n < 150; n++)
        {
            var line = RandomLine(random);
            var terminator = random.Next(3) switch { 0 => "\r", 1 => "\n", _ => "\r\n" };
            await s.SendAsync(Text.Concat(line, Encoding.ASCII.GetBytes(terminator)));

            if (line.Length <= 256)
            {
                await s.ExpectAsync(Text.Concat(line, Encoding.ASCII.GetBytes(terminator)));
            }

            var reply = await s.Host.ReadUntilAnyAsync(["\r\nOK\r\n", "\r\nERROR\r\n"], InMemoryModem.Timeout);
            if (terminator == "\r" && line.Length <= 256 && !reply.StartsWith("\r\n", StringComparison.Ordinal))
            {
                // After an echo that ends in a lone CR, a reply that does not begin with CR LF gets an LF first.
                Assert.StartsWith("\n", reply, StringComparison.Ordinal);
                reply = reply[1..];
            }

            // A random line may have turned AT+SYSLOG on: then an ERROR carries its code line.
            if (line.Length > 256 || !line.AsSpan().StartsWith("AT"u8) || reply.Contains("ERROR", StringComparison.Ordinal))
            {
                Assert.Matches(ErrorReply, reply);
            }

            await s.AssertAliveAsync();
        }

        Assert.False(s.Run.IsCompleted, "the modem stopped serving the host");
    }

    [Fact]
    public async Task A_burst_of_random_lines_in_one_write_then_AT()
    {
        var random = new Random(424242);
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync("ATE0", "\r\nOK\r\n");
        int expectedErrors = 0;
        var burst = new List<byte>();
        for (int n = 0; n < 300; n++)
        {
            var line = new byte[random.Next(1, 600)];
            random.NextBytes(line);
            line[0] = (byte)'a';
            for (int i = 0; i < line.Length; i++)
            {
                if (line[i] is (byte)'\r' or (byte)'\n')
                {
                    line[i] = 0;
                }
            }

            burst.AddRange(line);
            burst.AddRange("\r\n"u8.ToArray());
            expectedErrors++;
        }

        burst.AddRange("AT\r\n"u8.ToArray());
        await s.SendAsync([.. burst]);
        await s.ExpectAsync(string.Concat(Enumerable.Repeat("\r\nERROR\r\n", expectedErrors)) + "\r\nOK\r\n");
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
    }
}
