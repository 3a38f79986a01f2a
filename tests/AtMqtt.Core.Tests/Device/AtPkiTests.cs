using System.Text;
using AtMqtt.Core.Device;
using Xunit;

namespace AtMqtt.Core.Tests.Device;

/// <summary>
/// The reader of ESP-AT's PKI bin against an independent writer (AtMqtt.Testing's <see cref="AtPkiBin"/>,
/// after tools/AtPKI.py) and the bytes Espressif's "How to Generate PKI Files" page shows.
/// </summary>
public sealed class AtPkiTests
{
    [Fact]
    public void The_header_matches_espressif_s_example()
    {
        // "client_cert.bin" from two 1164-byte certificates: F1 F1, 02 00, 20 09 00 00, then 02 00 8C 04.
        byte[] bin = AtPkiBin.Build((AtPkiBin.Certificate, new byte[1164]), (AtPkiBin.Certificate, new byte[1164]));
        Assert.Equal(new byte[] { 0xF1, 0xF1, 0x02, 0x00, 0x20, 0x09, 0x00, 0x00, 0x02, 0x00, 0x8C, 0x04 }, bin[..12]);
        Assert.Equal(2344, bin.Length); // AT+SYSFLASH=1,"client_cert",0,2344 in the same page
        Assert.Equal(new byte[] { 0x02, 0x01, 0x8C, 0x04 }, bin[(12 + 1164)..(16 + 1164)]);
    }

    [Fact]
    public void Items_are_found_by_type_and_id_whatever_their_padding()
    {
        byte[] ca = Encoding.ASCII.GetBytes("ca-one");        // 6 bytes: 2 of padding
        byte[] cert0 = Encoding.ASCII.GetBytes("cert-zero");  // 9: 3
        byte[] cert1 = Encoding.ASCII.GetBytes("cert-1");     // 6: 2
        byte[] key0 = Encoding.ASCII.GetBytes("key0");        // 4: none
        byte[] bin = AtPkiBin.Build((AtPkiBin.Ca, ca), (AtPkiBin.Certificate, cert0), (AtPkiBin.Certificate, cert1), (AtPkiBin.Key, key0));

        // In an 8 KB partition, the rest erased.
        byte[] partition = new byte[0x2000];
        partition.AsSpan().Fill(0xFF);
        bin.CopyTo(partition, 0);

        Assert.Equal(ca, AtPki.Find(partition, AtPki.CaType, 0).Content);
        Assert.Equal(cert0, AtPki.Find(partition, AtPki.CertificateType, 0).Content);
        Assert.Equal(cert1, AtPki.Find(partition, AtPki.CertificateType, 1).Content);
        Assert.Equal(key0, AtPki.Find(partition, AtPki.KeyType, 0).Content);
        Assert.Equal(default, AtPki.Find(partition, AtPki.KeyType, 1));
        Assert.Equal(default, AtPki.Find(partition, AtPki.CaType, 1));
    }

    [Fact]
    public void An_erased_or_empty_partition_holds_nothing()
    {
        byte[] erased = new byte[0x2000];
        erased.AsSpan().Fill(0xFF);
        Assert.Equal(default, AtPki.Find(erased, AtPki.CaType, 0));
        Assert.Equal(default, AtPki.Find([], AtPki.CaType, 0));
    }

    [Fact]
    public void Bytes_that_are_not_a_whole_pki_bin_are_a_problem_named_without_quoting_them()
    {
        byte[] pem = Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE-----\nMIIB-secret-looking\n-----END CERTIFICATE-----\n");
        AssertProblem(pem, "AtPKI magic");

        byte[] good = AtPkiBin.Build((AtPkiBin.Ca, Encoding.ASCII.GetBytes("abcdefgh")));
        byte[] shortLength = [.. good];
        shortLength[4] = 4; // items length 4: the item runs past it
        AssertProblem(shortLength, "runs past");

        byte[] longLength = [.. good];
        longLength[5] = 0x40; // 0x4000 + ...: more than the bytes there
        AssertProblem(longLength, "more than the partition holds");

        byte[] moreItems = [.. good];
        moreItems[2] = 2;
        AssertProblem(moreItems, "announces 2 items but holds 1");

        byte[] badType = [.. good];
        badType[8] = 7;
        AssertProblem(badType, "type 7");

        byte[] trailing = [.. good, 0x01, 0x00, 0x00, 0x00];
        trailing[4] += 4;
        AssertProblem(trailing, "after its 1 items");
    }

    private static void AssertProblem(byte[] partition, string expected)
    {
        var found = AtPki.Find(partition, AtPki.CaType, 0);
        Assert.Null(found.Content);
        Assert.NotNull(found.Problem);
        Assert.Contains(expected, found.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", found.Problem, StringComparison.Ordinal);
    }
}
