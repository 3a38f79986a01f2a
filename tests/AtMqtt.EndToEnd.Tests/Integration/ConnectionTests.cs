using Xunit;

namespace AtMqtt.EndToEnd.Tests.Integration;

/// <summary>AT+MQTTCONN outcomes and the command/response rhythm of blocking commands.</summary>
public sealed class ConnectionTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Conn_ToAPortWithoutBroker_FailsExactly_AndMayBeRetried(BrokerKind kind)
    {
        var broker = TestBroker.InModemOrShared(kind, mosquitto);
        await using var modem = await broker.StartModemAsync();
        int nobody = FreePort.Get();

        await modem.OkAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("fail")}\",\"\",\"\",0,0,\"\"");
        await modem.ExpectAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{nobody},1", "+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n");

        // No retry behind the host's back, even with reconnect=1.
        await modem.AssertSilentAsync(TimeSpan.FromSeconds(1.5));
        string query = await modem.CommandAsync("AT+MQTTCONN?");
        Assert.StartsWith($"AT+MQTTCONN?\r\n+MQTTCONN:0,disconnect,1,\"127.0.0.1\",{nobody},1\r\n", query);

        // A failed attempt may simply be tried again.
        await modem.ExpectAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},0", LiveModem.ConnectedResponse(broker.Port, 0));
        await modem.ExpectAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},0", "\r\nERROR\r\n");
    }

    /// <summary>
    /// A host sends its next command as soon as it has read the final result. The modem must then be
    /// idle: "busy p..." is only for a line that arrives while a command is still executing (SPEC
    /// section 2). Every blocking command (CONN, SUB, PUB, UNSUB, CLEAN) is followed at once by the next.
    /// </summary>
    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task CommandSentRightAfterTheFinalResult_IsNeverAnsweredBusy(BrokerKind kind)
    {
        var broker = TestBroker.InModemOrShared(kind, mosquitto);
        await using var modem = await broker.StartModemAsync();
        string topic = Unique.Topic("rhythm");
        string clientId = Unique.Id("rhythm");

        var failures = new List<string>();
        async Task Run(string line, string response)
        {
            string actual = await modem.CommandAsync(line);
            if (actual != line + "\r\n" + response)
            {
                failures.Add(AtHost.Escape(actual));
            }
        }

        const int cycles = 50;
        for (int i = 0; i < cycles; i++)
        {
            await Run($"AT+MQTTUSERCFG=0,1,\"{clientId}\",\"\",\"\",0,0,\"\"", "\r\nOK\r\n");
            await Run($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},0", LiveModem.ConnectedResponse(broker.Port, 0));
            await Run($"AT+MQTTSUB=0,\"{topic}/in\",1", "\r\nOK\r\n");
            await Run($"AT+MQTTPUB=0,\"{topic}\",\"n{i}\",1,0", "\r\nOK\r\n");
            await Run($"AT+MQTTPUB=0,\"{topic}\",\"m{i}\",0,0", "\r\nOK\r\n");
            await Run($"AT+MQTTUNSUB=0,\"{topic}/in\"", "\r\nOK\r\n");
            await Run("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        }

        Assert.True(failures.Count == 0,
            $"{failures.Count} of {cycles * 7} commands sent right after the previous final result were not answered as expected; first: {failures.FirstOrDefault()}");
    }
}
