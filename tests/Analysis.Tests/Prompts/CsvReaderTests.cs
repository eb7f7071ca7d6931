using Geode.Analysis.Prompts;
using Geode.Model;

namespace Geode.Analysis.Tests.Prompts;

/// <summary>The RFC 4180 reader under the CSV prompt sets.</summary>
public sealed class CsvReaderTests
{
    [Fact]
    public void Quoted_fields_keep_commas_doubled_quotes_and_line_breaks()
    {
        List<CsvRow> rows = CsvReader.Read("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"one\r\ntwo\nthree\"\nlast,,\"\"", "t.csv");

        Assert.Equal(3, rows.Count);
        Assert.Equal(["a", "b", "c"], rows[0].Fields);
        Assert.Equal(["x, y", "say \"hi\"", "one\r\ntwo\nthree"], rows[1].Fields);
        Assert.Equal(["last", "", ""], rows[2].Fields);
        Assert.Equal([1, 2, 5], rows.Select(r => r.Line));
    }

    [Fact]
    public void Blank_lines_a_bom_and_a_missing_final_newline_are_tolerated()
    {
        List<CsvRow> rows = CsvReader.Read("\uFEFFa,b\r\n\r\n1,2\n\n3,4", "t.csv");

        Assert.Equal([["a", "b"], ["1", "2"], ["3", "4"]], rows.Select(r => r.Fields));
        Assert.Equal([1, 3, 5], rows.Select(r => r.Line));
    }

    [Fact]
    public void A_line_holding_only_an_empty_quoted_field_is_a_record()
    {
        List<CsvRow> rows = CsvReader.Read("a\n\"\"\n", "t.csv");

        Assert.Equal(2, rows.Count);
        Assert.Equal([""], rows[1].Fields);
    }

    [Fact]
    public void An_unclosed_quote_names_the_line_it_opens_on()
    {
        BadInputException e = Assert.Throws<BadInputException>(() => CsvReader.Read("a\nb\n\"open\n\nmore", "t.csv"));

        Assert.StartsWith("t.csv:3:", e.Message, StringComparison.Ordinal);
    }
}
