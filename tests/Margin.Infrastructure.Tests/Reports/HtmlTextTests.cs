using Margin.Infrastructure.Reports;

namespace Margin.Infrastructure.Tests.Reports;

public sealed class HtmlTextTests
{
    [Theory]
    [InlineData("acct-1", "acct-1")]
    [InlineData("<b>&\"'", "&lt;b&gt;&amp;&quot;&#39;")]
    [InlineData("tab\tline\nok", "tab\tline\nok")]
    [InlineData("nul\0bell\u0007del\u007f", "nul\uFFFDbell\uFFFDdel\uFFFD")]
    [InlineData("emoji \U0001F4C9 ∞ é", "emoji \U0001F4C9 ∞ é")]
    [InlineData("", "")]
    public void Escape_Text_IsSafeInContentAndAttributes(string text, string expected)
    {
        Assert.Equal(expected, HtmlText.Escape(text));
    }

    [Fact]
    public void Escape_LoneSurrogates_AreReplaced()
    {
        // Built in code: a lone surrogate does not survive the test runner's serialization of InlineData.
        var text = "lone " + '\uD800' + " low " + '\uDC00' + " pair " + char.ConvertFromUtf32(0x1F4C9);

        Assert.Equal("lone \uFFFD low \uFFFD pair " + char.ConvertFromUtf32(0x1F4C9), HtmlText.Escape(text));
    }
}
