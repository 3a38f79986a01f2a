#if ATMQTT_CORE
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using AtMqtt.Core;
using Microsoft.Win32.SafeHandles;
#endif
using Xunit;

namespace AtMqtt.Client.Tests;

/// <summary>
/// The serial helper on a real Linux pseudo-terminal: the client opens the pty's device with
/// <see cref="System.IO.Ports.SerialPort"/> exactly as it would open /dev/ttyUSB0, and a modem serves the
/// other end: the atmqtt program's own <c>--pty</c> (both targets), or an in-process modem on a pty the test
/// makes (net10.0, where the engine can be loaded).
/// </summary>
public sealed partial class SerialTests(BrokersFixture brokers) : IClassFixture<BrokersFixture>
{
    [Fact]
    public async Task OpenAsync_with_a_serial_address_drives_the_program_on_its_own_pseudo_terminal()
    {
        Assert.True(OperatingSystem.IsLinux(), "The pseudo-terminal test needs Linux.");
        string dir = Directory.CreateTempSubdirectory("atmqtt-client-pty-").FullName;
        try
        {
            string link = Path.Combine(dir, "ttyAT");
            await using var modem = await ModemProcess.StartAsync("--pty", link, "--dialect", "esp-at");
            await modem.WaitForStdErrAsync("waiting for a host to open it", TimeSpan.FromSeconds(20));

            await using var client = await AtMqttClient.OpenAsync($"serial:{link}@115200").WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(AtDialect.EspAt, client.Dialect);
            string topic = Unique.Topic("serial-pty");
            await client.ConnectAsync(new AtMqttConnectOptions { Host = FreePort.Host, Port = brokers.InProcess.Port });
            await client.SubscribeAsync(topic, MqttQos.AtLeastOnce);
            byte[] payload = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
            await client.PublishAsync(topic, payload, MqttQos.AtLeastOnce);
            var message = await client.Messages.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(payload, message.Payload.ToArray());
            await client.DisconnectAsync();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

#if ATMQTT_CORE
    [Fact]
    public async Task OpenAsync_with_a_serial_address_drives_a_modem_behind_a_pseudo_terminal()
    {
        Assert.True(OperatingSystem.IsLinux(), "The pseudo-terminal test needs Linux.");

        // Close-on-exec: a modem or broker that another test starts meanwhile must not inherit the pty.
        int master = PosixOpenPt(ORdWr | ONoCtty | OCloExec);
        Assert.True(master >= 0 && GrantPt(master) == 0 && UnlockPt(master) == 0, $"posix_openpt: errno {Marshal.GetLastPInvokeError()}");
        string device = Marshal.PtrToStringAnsi(PtsName(master))!;
        await using var masterStream = new FileStream(new SafeFileHandle(master, ownsHandle: true), FileAccess.ReadWrite, bufferSize: 0);

        await using var modem = new Modem(new ModemOptions { Dialect = AtMqtt.Core.Dialects.Dialect.Seed });
        using var stop = new CancellationTokenSource();
        var toModem = new Pipe();
        var toHost = new Pipe();
        var run = Task.Run(() => modem.RunAsync(new DuplexPipe(toModem.Reader, toHost.Writer), stop.Token));

        // Start moving bytes only once the client has opened (and so configured) the port.
        var opening = AtMqttClient.OpenAsync($"serial:{device}@115200");
        var pumpIn = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            try
            {
                int n;
                while ((n = await masterStream.ReadAsync(buffer)) > 0)
                {
                    await toModem.Writer.WriteAsync(buffer.AsMemory(0, n));
                }
            }
            catch (IOException)
            {
                // EIO: no one has the slave open any more (the client closed its port).
            }

            await toModem.Writer.CompleteAsync();
        });
        var pumpOut = Task.Run(async () =>
        {
            try
            {
                await foreach (var chunk in ReadAllAsync(toHost.Reader, stop.Token))
                {
                    await masterStream.WriteAsync(chunk, stop.Token);
                    await masterStream.FlushAsync(stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        await using (var client = await opening.WaitAsync(TimeSpan.FromSeconds(20)))
        {
            // The client's port is the only opener of the pty's slave: no one else reads the bytes.
            TerminalHolders.AssertHeldOnlyBy(device, Environment.ProcessId);
            Assert.Equal(AtDialect.Seed, client.Dialect);
            string topic = Unique.Topic("serial");
            await client.ConnectAsync(new AtMqttConnectOptions { Host = FreePort.Host, Port = brokers.InProcess.Port });
            await client.SubscribeAsync(topic, MqttQos.AtLeastOnce);
            byte[] payload = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
            await client.PublishAsync(topic, payload, MqttQos.AtLeastOnce);
            var message = await client.Messages.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(payload, message.Payload.ToArray());
            await client.DisconnectAsync();
        }

        // The client closed the slave: the master's reader ends, then the modem's input; the output pump stops.
        await pumpIn.WaitAsync(TimeSpan.FromSeconds(15));
        await run.WaitAsync(TimeSpan.FromSeconds(15));
        await stop.CancelAsync();
        await pumpOut.WaitAsync(TimeSpan.FromSeconds(15));
    }
#endif

    [Fact]
    public async Task Bad_addresses_are_refused()
    {
        await Assert.ThrowsAsync<FormatException>(() => AtMqttClient.OpenAsync("udp://x:1"));
        await Assert.ThrowsAsync<FormatException>(() => AtMqttClient.OpenAsync("tcp://nohost"));
        await Assert.ThrowsAsync<FormatException>(() => AtMqttClient.OpenAsync("serial:/dev/ttyUSB0@fast"));
        await Assert.ThrowsAnyAsync<Exception>(() => AtMqttClient.OpenAsync("serial:/dev/does-not-exist@9600"));
    }

#if ATMQTT_CORE
    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAllAsync(PipeReader reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            foreach (var segment in result.Buffer)
            {
                yield return segment.ToArray();
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                yield break;
            }
        }
    }

    private const int ORdWr = 0x2;
    private const int ONoCtty = 0x100;
    private const int OCloExec = 0x80000;

    [LibraryImport("libc", EntryPoint = "posix_openpt", SetLastError = true)]
    private static partial int PosixOpenPt(int flags);

    [LibraryImport("libc", EntryPoint = "grantpt", SetLastError = true)]
    private static partial int GrantPt(int fd);

    [LibraryImport("libc", EntryPoint = "unlockpt", SetLastError = true)]
    private static partial int UnlockPt(int fd);

    [LibraryImport("libc", EntryPoint = "ptsname")]
    private static partial IntPtr PtsName(int fd);

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
#endif
}
