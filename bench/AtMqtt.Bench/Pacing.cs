using System.Diagnostics;
using System.Globalization;
using System.Text;
using AtMqtt.Testing;

namespace AtMqtt.Bench;

/// <summary>
/// <c>pacing [--bytes N] [--runs N] [--baud N,...]</c>: how long N bytes (default 20,000) take through
/// AT+MQTTPUBRAW on the real program with <c>--baud</c>, against the figure of a UART (10 bits a
/// byte). The host is a TCP client of <c>--tcp</c>; the modem publishes (QoS 1) to its embedded
/// broker. Timed from the first data byte sent to the <c>+MQTTPUB:OK</c> line read, so it covers
/// the data at the host-to-modem rate and the result line at the modem-to-host rate. Exit code 1 if
/// a paced median is off its figure by more than 3 %.
/// </summary>
internal static class Pacing
{
    private const double Tolerance = 0.03;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        int bytes = 20_000;
        int runs = 5;
        var rates = new List<int> { 115_200, 921_600 };
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--bytes": bytes = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--baud": rates = [.. args[i + 1].Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture))]; break;
                default: Console.Error.WriteLine($"pacing: unknown option {args[i]}"); return 2;
            }
        }

        Console.WriteLine($"pacing: {bytes} bytes through AT+MQTTPUBRAW (QoS 1), {runs} runs each, median (min..max)");
        Console.WriteLine($"{"baud",9} {"figure s",10} {"median s",10} {"min s",8} {"max s",8} {"error",8}");
        bool ok = true;
        foreach (int? baud in rates.Select(r => (int?)r).Append(null))
        {
            var times = await MeasureAsync(baud, bytes, runs);
            times.Sort();
            double median = times[times.Count / 2];
            if (baud is int rate)
            {
                // The data one way, the 15-byte "\r\n+MQTTPUB:OK\r\n" the other.
                double figure = (bytes + 15) * 10.0 / rate;
                double error = (median - figure) / figure;
                ok &= Math.Abs(error) <= Tolerance;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{rate,9} {figure,10:0.0000} {median,10:0.0000} {times[0],8:0.0000} {times[^1],8:0.0000} {error,8:+0.00%;-0.00%}"));
            }
            else
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{"unpaced",9} {"-",10} {median,10:0.0000} {times[0],8:0.0000} {times[^1],8:0.0000} {"-",8}"));
            }
        }

        Console.WriteLine(ok ? "pacing: every paced median within 3 % of its figure" : "pacing: a paced median is off its figure by more than 3 %");
        return ok ? 0 : 1;
    }

    private static async Task<List<double>> MeasureAsync(int? baud, int bytes, int runs)
    {
        int channelPort = FreePort.Get();
        int brokerPort = FreePort.Get();
        var args = new List<string>
        {
            "--tcp", $"{FreePort.Host}:{channelPort}", "--dialect", "esp-at", "--embedded-broker",
            brokerPort.ToString(CultureInfo.InvariantCulture), "--max-pubraw", Math.Max(bytes, 1024).ToString(CultureInfo.InvariantCulture),
            "--log-level", "Warning",
        };
        if (baud is int rate)
        {
            args.AddRange(["--baud", rate.ToString(CultureInfo.InvariantCulture)]);
        }

        await using var modem = await ModemProcess.StartAsync([.. args]);
        await using var host = await AtHost.ConnectAsync(channelPort, Timeout);
        await host.ReadUntilAsync("ready\r\n", Timeout);
        await ExpectOkAsync(host, "ATE0");
        await ExpectOkAsync(host, "AT+MQTTUSERCFG=0,1,\"pacing-bench\",\"\",\"\",0,0,\"\"");
        await ExpectOkAsync(host, $"AT+MQTTCONN=0,\"127.0.0.1\",{brokerPort},0");

        var payload = new byte[bytes];
        for (int i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)('a' + (i % 26));
        }

        // One short publish first, so the measured ones run warm code.
        await PublishAsync(host, payload.AsMemory(0, 256));
        var times = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            times.Add(await PublishAsync(host, payload));
        }

        return times;
    }

    private static async Task<double> PublishAsync(AtHost host, ReadOnlyMemory<byte> data)
    {
        await host.SendAsync($"AT+MQTTPUBRAW=0,\"bench/pacing\",{data.Length},1,0\r\n");
        await host.ReadUntilAsync("\r\n>", Timeout);
        var watch = Stopwatch.StartNew();
        await host.SendBytesAsync(data);
        string result = await host.ReadUntilAnyAsync(["+MQTTPUB:OK\r\n", "+MQTTPUB:FAIL\r\n"], Timeout);
        double seconds = watch.Elapsed.TotalSeconds;
        if (!result.EndsWith("+MQTTPUB:OK\r\n", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"PUBRAW failed: {AtHost.Escape(result)}");
        }

        return seconds;
    }

    private static async Task ExpectOkAsync(AtHost host, string line)
    {
        string response = await host.CommandAsync(line, Timeout);
        if (!response.EndsWith("\r\nOK\r\n", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{line}: {AtHost.Escape(Encoding.Latin1.GetString(Encoding.Latin1.GetBytes(response)))}");
        }
    }
}
