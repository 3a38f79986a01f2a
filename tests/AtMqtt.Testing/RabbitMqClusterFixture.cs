using Xunit;

namespace AtMqtt.Testing;

/// <summary>
/// One 2-node RabbitMQ cluster (<see cref="RabbitMqCluster"/>) for every test of a collection
/// (<c>ICollectionFixture&lt;RabbitMqClusterFixture&gt;</c>): a cluster takes tens of seconds to start, so the tests
/// share it and run one after another. A test that restarts a node leaves it running and clustered again.
/// Under CI=true a missing RabbitMQ fails the collection (<see cref="RabbitMqCluster.StartAsync"/> throws).
/// </summary>
public sealed class RabbitMqClusterFixture : IAsyncLifetime
{
    private RabbitMqCluster? _cluster;

    /// <summary>The running cluster.</summary>
    public RabbitMqCluster Cluster => _cluster ?? throw new InvalidOperationException("the RabbitMQ cluster is not running");

    /// <summary>The first node (the one the second joined).</summary>
    public RabbitMqNode A => Cluster.Nodes[0];

    /// <summary>The second node.</summary>
    public RabbitMqNode B => Cluster.Nodes[1];

    /// <inheritdoc/>
    public async Task InitializeAsync() => _cluster = await RabbitMqCluster.StartAsync(nodeCount: 2);

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
