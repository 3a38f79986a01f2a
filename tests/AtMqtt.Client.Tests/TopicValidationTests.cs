using Xunit;

namespace AtMqtt.Client.Tests;

/// <summary>
/// Topic names and filters are checked against MQTT 3.1.1 §4.7 and the module's 128-byte limit before anything
/// is written: the module never sees an invalid topic, and the exception names the problem.
/// </summary>
public sealed class TopicValidationTests
{
    private static readonly TimeSpan Wait = FakeModule.Patience;

    public static TheoryData<string, string> BadNames() => new()
    {
        { "", "cannot be empty" },
        { "a/+/b", "wildcard '+' at index 2" },
        { "+", "wildcard '+'" },
        { "a/#", "wildcard '#' at index 2" },
        { "#", "wildcard '#'" },
        { "sport+", "wildcard '+'" },
        { "a\0b", "U+0000 at index 1" },
        { "a\rb", "CR or LF" },
        { "a\nb", "CR or LF" },
        { new string('a', 129), "129 bytes of UTF-8; the module takes at most 128" },
        { new string('é', 65), "130 bytes of UTF-8; the module takes at most 128" },
    };

    public static TheoryData<string, string> BadFilters() => new()
    {
        { "", "cannot be empty" },
        { "sport+", "'+' inside a level at index 0" },
        { "a/b+/c", "'+' inside a level at index 2" },
        { "+a", "'+' inside a level" },
        { "a#", "'#' inside a level at index 0" },
        { "a/b#", "'#' inside a level at index 2" },
        { "a/#/b", "'#' before its last level" },
        { "#/a", "'#' before its last level" },
        { "a\0", "U+0000" },
        { "a\r\n", "CR or LF" },
        { new string('f', 129), "the module takes at most 128" },
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task A_bad_topic_name_is_refused_before_anything_is_sent(string topic, string problem)
    {
        await using var fake = new FakeModule();
        await using var client = fake.CreateClient();

        var text = await Assert.ThrowsAsync<ArgumentException>(() => client.PublishAsync(topic, "x"));
        Assert.Equal("topic", text.ParamName);
        Assert.Contains(problem, text.Message, StringComparison.Ordinal);
        Assert.Contains("topic name", text.Message, StringComparison.Ordinal);
        var binary = await Assert.ThrowsAsync<ArgumentException>(() => client.PublishAsync(topic, new byte[] { 0, 1 }, MqttQos.ExactlyOnce));
        Assert.Equal(text.Message, binary.Message);
        var will = await Assert.ThrowsAsync<ArgumentException>(() =>
            client.ConfigureConnectionAsync(new AtMqttConnectionConfig { Will = new AtMqttWill(topic, "gone") }));
        Assert.Equal("connection", will.ParamName);
        Assert.Contains("will topic", will.Message, StringComparison.Ordinal);
        Assert.Contains(problem, will.Message, StringComparison.Ordinal);

        await NothingWasSentAsync(fake, client);
    }

    [Theory]
    [MemberData(nameof(BadFilters))]
    public async Task A_bad_topic_filter_is_refused_before_anything_is_sent(string filter, string problem)
    {
        await using var fake = new FakeModule();
        await using var client = fake.CreateClient();

        var subscribe = await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync(filter, MqttQos.AtLeastOnce));
        Assert.Equal("topicFilter", subscribe.ParamName);
        Assert.Contains(problem, subscribe.Message, StringComparison.Ordinal);
        var unsubscribe = await Assert.ThrowsAsync<ArgumentException>(() => client.UnsubscribeAsync(filter));
        Assert.Equal(subscribe.Message, unsubscribe.Message);

        await NothingWasSentAsync(fake, client);
    }

    [Fact]
    public async Task Unpaired_surrogates_are_refused_rather_than_sent_as_U_FFFD()
    {
        // Not theory data: a lone surrogate does not survive the test runner's serialisation of arguments.
        await using var fake = new FakeModule();
        await using var client = fake.CreateClient();
        foreach (string topic in new[] { "a\uD800b", "a\uDC00", "\uDBFF", "ok/\uD83D" })
        {
            var name = await Assert.ThrowsAsync<ArgumentException>(() => client.PublishAsync(topic, "x"));
            Assert.Contains($"unpaired surrogate at index {topic.Length - (topic[^1] == 'b' ? 2 : 1)}", name.Message, StringComparison.Ordinal);
            var filter = await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync(topic));
            Assert.Contains("unpaired surrogate", filter.Message, StringComparison.Ordinal);
        }

        await NothingWasSentAsync(fake, client);
    }

    [Fact]
    public async Task Null_topics_are_refused_too()
    {
        await using var fake = new FakeModule();
        await using var client = fake.CreateClient();
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.PublishAsync(null!, "x"));
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.SubscribeAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.UnsubscribeAsync(null!));
        await NothingWasSentAsync(fake, client);
    }

    [Fact]
    public async Task Valid_names_and_filters_reach_the_module_unchanged()
    {
        await using var fake = new FakeModule();
        await using var client = await fake.StartClientAsync();
        string longest = new('é', 64); // 128 bytes
        foreach (string topic in new[] { "a", "/", "a//b", "/leading", "trailing/", "$SYS/x", "ü/€/😀", longest })
        {
            var publish = client.PublishAsync(topic, "v");
            await fake.ExpectAsync($"AT+MQTTPUB=0,\"{topic}\",\"v\",0,0");
            await fake.OkAsync();
            await publish.WaitAsync(Wait);
        }

        foreach (string filter in new[] { "+", "#", "a/+/b", "+/+", "a/#", "/#", "+/#", "a//+", "$SYS/#", "sport/tennis/+", longest })
        {
            var subscribe = client.SubscribeAsync(filter);
            await fake.ExpectAsync($"AT+MQTTSUB=0,\"{filter}\",0");
            await fake.OkAsync();
            await subscribe.WaitAsync(Wait);
            var unsubscribe = client.UnsubscribeAsync(filter);
            await fake.ExpectAsync($"AT+MQTTUNSUB=0,\"{filter}\"");
            await fake.OkAsync();
            await unsubscribe.WaitAsync(Wait);
        }
    }

    [Fact]
    public async Task The_module_limit_can_be_raised_up_to_mqtts_own()
    {
        await using var fake = new FakeModule();
        await using var client = await fake.StartClientAsync(options: new AtMqttClientOptions { MaxTopicLength = 200 });
        string topic = new('t', 200);
        var publish = client.PublishAsync(topic, "v");
        await fake.ExpectAsync($"AT+MQTTPUB=0,\"{topic}\",\"v\",0,0");
        await fake.OkAsync();
        await publish.WaitAsync(Wait);
        var tooLong = await Assert.ThrowsAsync<ArgumentException>(() => client.PublishAsync(topic + "t", "v"));
        Assert.Contains("201 bytes of UTF-8; the module takes at most 200", tooLong.Message, StringComparison.Ordinal);

        await using var mqttMax = new FakeModule();
        await using var unlimited = mqttMax.CreateClient(new AtMqttClientOptions { MaxTopicLength = 65535 });
        var overMqtt = await Assert.ThrowsAsync<ArgumentException>(() => unlimited.PublishAsync(new string('m', 65536), "v"));
        Assert.Contains("65536 bytes of UTF-8; MQTT takes at most 65535", overMqtt.Message, StringComparison.Ordinal);

        foreach (int bad in new[] { 0, 65536 })
        {
            await using var other = new FakeModule();
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => other.CreateClient(new AtMqttClientOptions { MaxTopicLength = bad }));
            Assert.Contains("MaxTopicLength", ex.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The module's first line is the handshake's AT: nothing came before it. (The refused calls have
    /// returned, and the client writes in order, so anything they had sent would be first.)
    /// </summary>
    private static async Task NothingWasSentAsync(FakeModule fake, AtMqttClient client)
    {
        var init = client.InitializeAsync();
        await fake.HandshakeAsync();
        await init.WaitAsync(Wait);
        Assert.Equal("AT", fake.Lines[0]);
        Assert.DoesNotContain(fake.Lines, l => l.StartsWith("AT+MQTTPUB", StringComparison.Ordinal) || l.StartsWith("AT+MQTTSUB", StringComparison.Ordinal)
            || l.StartsWith("AT+MQTTUNSUB", StringComparison.Ordinal) || l.StartsWith("AT+MQTTCONNCFG", StringComparison.Ordinal));
    }
}
