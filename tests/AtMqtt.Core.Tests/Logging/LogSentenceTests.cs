using AtMqtt.Core.Logging;
using AtMqtt.Core.Mqtt;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit;

namespace AtMqtt.Core.Tests.Logging;

/// <summary>Log lines read as sentences: no empty values between commas, topics in quotes, no enum names.</summary>
public sealed class LogSentenceTests
{
    [Fact]
    public void EnumValues_AreWords()
    {
        Assert.Equal("normal disconnection", LogText.Words(MqttClientDisconnectReason.NormalDisconnection));
        Assert.Equal("bad user name or password", LogText.Words(MqttClientConnectResultCode.BadUserNameOrPassword));
        Assert.Equal("topic filter invalid", LogText.Words(MqttSubscribeReasonCode.TopicFilterInvalid));
    }

    [Theory]
    [InlineData("", "", "scheme 1, client id \"cid\", no username, no password")]
    [InlineData("user", "", "scheme 1, client id \"cid\", username \"user\", no password")]
    [InlineData("user", "secret", "scheme 1, client id \"cid\", username \"user\", password ***")]
    public void TheUserConfig_ReadsAsASentence_WithoutThePassword(string username, string password, string expected) =>
        Assert.Equal(expected, new UserConfig(1, "cid", username, System.Text.Encoding.UTF8.GetBytes(password), 0, 0, "").ToString());

    [Fact]
    public async Task RefusedCommands_QuoteTheirTopic()
    {
        var log = new LogCapture();
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { LoggerFactory = log });
        await s.CommandAsync("AT+MQTTUSERCFG=0,1,\"cid\",\"\",\"\",0,0,\"\"", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTSUB=0,\"a\",1", "\r\nERROR\r\n");

        Assert.Equal(1, log.Count("User config: scheme 1, client id \"cid\", no username, no password"));
        Assert.Equal(1, log.Count("Subscribe to \"a\" refused: not connected"));
    }
}
