using System.Text;

namespace Margin.Infrastructure.Reports;

/// <summary>Escapes text for HTML element content and quoted attribute values (also inside inline SVG).</summary>
internal static class HtmlText
{
    /// <summary>
    /// Replaces &amp; &lt; &gt; " and ' by character references, and characters HTML does not allow (C0 controls other than
    /// tab, line feed and carriage return, DEL, and unpaired surrogates) by U+FFFD, so user data (account ids, reasons)
    /// can never open a tag or leave an attribute.
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var i = 0;
        while (i < text.Length && !NeedsWork(text, i))
        {
            i++;
        }

        if (i == text.Length)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        builder.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&': builder.Append("&amp;"); break;
                case '<': builder.Append("&lt;"); break;
                case '>': builder.Append("&gt;"); break;
                case '"': builder.Append("&quot;"); break;
                case '\'': builder.Append("&#39;"); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        builder.Append(c).Append(text[++i]);
                    }
                    else
                    {
                        builder.Append(Disallowed(c) ? '\uFFFD' : c);
                    }

                    break;
            }
        }

        return builder.ToString();
    }

    private static bool NeedsWork(string text, int i)
    {
        var c = text[i];
        return c is '&' or '<' or '>' or '"' or '\'' || Disallowed(c) || char.IsSurrogate(c);
    }

    private static bool Disallowed(char c) =>
        (c < 0x20 && c is not ('\t' or '\n' or '\r')) || c == 0x7F || char.IsSurrogate(c);
}
