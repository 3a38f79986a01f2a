using System.Globalization;
using ScottPlot;

namespace AtMqtt.Bench;

/// <summary>The PNG plots of docs/performance.md (ScottPlot).</summary>
internal static class Plots
{
    private const int Width = 900;
    private const int Height = 520;

    public static void Write(string dir, List<Figure> figures, LatencySection? latency, SweepSection? sweep, ScaleSection? scale)
    {
        Directory.CreateDirectory(dir);
        Summary(Path.Combine(dir, "perf-summary.png"), figures);
        if (latency is not null)
        {
            Latency(Path.Combine(dir, "perf-latency.png"), latency);
        }

        if (sweep is not null)
        {
            Sweep(Path.Combine(dir, "perf-sweep.png"), sweep);
            SweepRatio(Path.Combine(dir, "perf-sweep-ratio.png"), sweep);
        }

        if (scale is not null)
        {
            Scale(Path.Combine(dir, "perf-scale.png"), scale);
        }
    }

    private static void Summary(string path, List<Figure> figures)
    {
        var withRatio = figures.Where(f => f.Ratio is not null).ToList();
        var plot = new Plot();
        for (int i = 0; i < withRatio.Count; i++)
        {
            var f = withRatio[i];
            var bar = new Bar
            {
                Position = withRatio.Count - i,
                Value = f.Ratio!.Value,
                FillColor = f.Met switch { true => Colors.SeaGreen, false => Colors.IndianRed, null => Colors.SteelBlue },
                Orientation = Orientation.Horizontal,
                Label = f.Ratio!.Value.ToString("0.00", CultureInfo.InvariantCulture),
            };
            plot.Add.Bar(bar);
        }

        var one = plot.Add.VerticalLine(1.0);
        one.LinePattern = LinePattern.Dashed;
        one.Color = Colors.Black;
        plot.Axes.Left.SetTicks(
            [.. Enumerable.Range(0, withRatio.Count).Select(i => (double)(withRatio.Count - i))],
            [.. withRatio.Select(f => Short(f))]);
        plot.Axes.Margins(left: 0, right: 0.1);
        plot.Title("AtMqtt ÷ baseline (1.0 = as good as the baseline; green: target met, red: missed)");
        plot.XLabel("ratio");
        plot.SavePng(path, 1100, Math.Max(300, 60 + (withRatio.Count * 34)));
    }

    private static string Short(Figure f)
    {
        string name = f.Name;
        int paren = name.IndexOf(" (", StringComparison.Ordinal);
        if (paren > 0)
        {
            name = name[..paren];
        }

        int colon = name.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? name[..colon] : name;
    }

    private static void Latency(string path, LatencySection s)
    {
        var plot = new Plot();
        var palette = new[] { Colors.IndianRed, Colors.SteelBlue, Colors.DarkOrange, Colors.SeaGreen };
        int c = 0;
        static double[] Log(double[] values) => [.. values.Select(v => Math.Log10(Math.Max(1, v)))];
        foreach (var r in s.Rows)
        {
            var at = plot.Add.Scatter(s.Percentiles, Log(r.AtPercentilesUs));
            at.LegendText = $"AT+MQTTPUB, QoS {r.Qos}";
            at.Color = palette[c++ % palette.Length];
            at.MarkerSize = 0;
            at.LineWidth = 2;
            var raw = plot.Add.Scatter(s.Percentiles, Log(r.RawPercentilesUs));
            raw.LegendText = $"raw MQTTnet, QoS {r.Qos}";
            raw.Color = palette[c++ % palette.Length];
            raw.MarkerSize = 0;
            raw.LineWidth = 2;
            raw.LinePattern = LinePattern.Dashed;
        }

        plot.Title("Latency: publish → independent subscriber receives (log scale)");
        plot.XLabel("percentile");
        plot.YLabel("µs");
        plot.Axes.SetLimitsX(0, 100);
        double top = Math.Ceiling(Math.Log10(Math.Max(10, s.Rows.Max(r => Math.Max(r.AtPercentilesUs[^1], r.RawPercentilesUs[^1])))));
        double bottom = Math.Floor(Math.Log10(Math.Max(1, s.Rows.Min(r => Math.Min(r.AtPercentilesUs[0], r.RawPercentilesUs[0])))));
        var decades = Enumerable.Range((int)bottom, (int)(top - bottom) + 1).Select(e => (double)e).ToArray();
        plot.Axes.Left.SetTicks(decades, [.. decades.Select(d => Math.Pow(10, d).ToString("N0", CultureInfo.InvariantCulture))]);
        plot.Axes.SetLimitsY(bottom, top);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
    }

    private static void Sweep(string path, SweepSection s)
    {
        var plot = new Plot();
        var series = new (string Path, string Method, bool Raw, string Label, Color Color, bool Dashed)[]
        {
            ("publish", "PUB", false, "AT+MQTTPUB", Colors.DarkOrange, false),
            ("publish", "PUBRAW", false, "AT+MQTTPUBRAW", Colors.IndianRed, false),
            ("publish", "PUBRAW", true, "raw MQTTnet publish", Colors.IndianRed, true),
            ("receive", "SUBRECV", false, "+MQTTSUBRECV (host reads)", Colors.SteelBlue, false),
            ("receive", "SUBRECV", true, "raw MQTTnet subscriber", Colors.SteelBlue, true),
        };
        foreach (var (p, method, raw, label, color, dashed) in series)
        {
            var rows = s.Rows.Where(r => r.Path == p && r.Method == method).OrderBy(r => r.Size).ToList();
            if (rows.Count == 0)
            {
                continue;
            }

            var line = plot.Add.Scatter(
                rows.Select(r => Math.Log2(r.Size)).ToArray(),
                rows.Select(r => Math.Log10(Math.Max(1, raw ? r.RawPerSec : r.AtPerSec))).ToArray());
            line.LegendText = label;
            line.Color = color;
            line.LineWidth = 2;
            line.MarkerSize = 6;
            if (dashed)
            {
                line.LinePattern = LinePattern.Dashed;
            }
        }

        SizeAxis(plot, s);
        var ticks = Enumerable.Range(1, 6).Select(e => (double)e).ToArray();
        plot.Axes.Left.SetTicks(ticks, [.. ticks.Select(t => Math.Pow(10, t).ToString("N0", CultureInfo.InvariantCulture))]);
        plot.Title($"Payload sweep, QoS {s.Rows.FirstOrDefault()?.Qos}: messages per second (log scale)");
        plot.YLabel("messages per second");
        plot.ShowLegend(Alignment.LowerLeft);
        plot.SavePng(path, Width, Height);
    }

    private static void SweepRatio(string path, SweepSection s)
    {
        var plot = new Plot();
        foreach (var (p, method, label, color) in new[]
        {
            ("publish", "PUB", "AT+MQTTPUB ÷ raw publish", Colors.DarkOrange),
            ("publish", "PUBRAW", "AT+MQTTPUBRAW ÷ raw publish", Colors.IndianRed),
            ("receive", "SUBRECV", "+MQTTSUBRECV ÷ raw subscriber", Colors.SteelBlue),
        })
        {
            var rows = s.Rows.Where(r => r.Path == p && r.Method == method).OrderBy(r => r.Size).ToList();
            if (rows.Count == 0)
            {
                continue;
            }

            var line = plot.Add.Scatter(rows.Select(r => Math.Log2(r.Size)).ToArray(), rows.Select(r => r.Ratio).ToArray());
            line.LegendText = label;
            line.Color = color;
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }

        var one = plot.Add.HorizontalLine(1.0);
        one.LinePattern = LinePattern.Dashed;
        one.Color = Colors.Black;
        SizeAxis(plot, s);
        plot.Axes.SetLimitsY(0, Math.Max(1.2, s.Rows.Max(r => r.Ratio) * 1.1));
        plot.Title("Payload sweep: AtMqtt ÷ raw MQTTnet (1.0 = as fast)");
        plot.YLabel("ratio");
        plot.ShowLegend(Alignment.LowerLeft);
        plot.SavePng(path, Width, Height);
    }

    private static void SizeAxis(Plot plot, SweepSection s)
    {
        var sizes = SweepBench.RawSizes;
        plot.Axes.Bottom.SetTicks([.. sizes.Select(v => Math.Log2(v))], [.. sizes.Select(SweepBench.Size)]);
        plot.XLabel("payload (log scale)");
    }

    private static void Scale(string path, ScaleSection s)
    {
        var plot = new Plot();
        var labels = new List<string>();
        double x = 1;
        var ticks = new List<double>();
        foreach (var r in s.Rows)
        {
            plot.Add.Bar(new Bar { Position = x, Value = r.ModemWorkingSetPerConnBytes / 1024, FillColor = Colors.SteelBlue, Label = $"{r.ModemWorkingSetPerConnBytes / 1024:F1}" });
            plot.Add.Bar(new Bar { Position = x + 1, Value = r.RawWorkingSetPerConnBytes / 1024, FillColor = Colors.Gray, Label = $"{r.RawWorkingSetPerConnBytes / 1024:F1}" });
            ticks.Add(x);
            labels.Add($"modem, N={r.N:N0}");
            ticks.Add(x + 1);
            labels.Add($"raw, N={r.N:N0}");
            x += 3;
        }

        var target = plot.Add.HorizontalLine(64);
        target.LinePattern = LinePattern.Dashed;
        target.Color = Colors.IndianRed;
        target.LegendText = "target 64 KB";
        plot.Axes.Bottom.SetTicks([.. ticks], [.. labels]);
        plot.Axes.Margins(bottom: 0);
        plot.Title("Working set per idle connected modem / raw MQTTnet client");
        plot.YLabel("KB per connection");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
    }
}
