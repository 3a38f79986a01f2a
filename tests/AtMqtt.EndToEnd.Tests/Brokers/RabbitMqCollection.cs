using Xunit;

namespace AtMqtt.EndToEnd.Tests.Brokers;

/// <summary>
/// The tests that use the RabbitMQ cluster: one cluster for all of them (it takes tens of seconds to start), and
/// mosquitto and MQTTnet's broker beside it for the interop theories. Tests of one collection run one after
/// another, so a node restart never surprises another test.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqClusterFixture>, ICollectionFixture<BrokersFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "RabbitMQ cluster";
}
