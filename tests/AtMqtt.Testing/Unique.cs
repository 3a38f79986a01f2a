namespace AtMqtt.Testing;

/// <summary>Client ids and topics no other test uses, so that tests sharing a broker in parallel never see each other's messages.</summary>
public static class Unique
{
    /// <summary><paramref name="prefix"/>, a dash and 12 random hex digits.</summary>
    public static string Id(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A topic under <c>t/</c> that contains <see cref="Id"/>.</summary>
    public static string Topic(string prefix) => "t/" + Id(prefix);
}
