using Azure.Data.Tables;
using Margin.Infrastructure.Storage;

namespace Margin.Infrastructure.Tests.Storage;

public sealed class LongTextTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(32_768, 1)]
    [InlineData(32_769, 2)]
    [InlineData(14 * 32_768, 14)]
    public void Write_SplitsAtThePropertyLimit_AndReadJoinsThePartsBack(int length, int parts)
    {
        var text = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26))));
        var entity = new TableEntity("p", "r");

        LongText.Write(entity, "Body", text);

        Assert.Equal(parts == 1 ? null : parts, entity.GetInt32("BodyParts"));
        Assert.All(entity.Where(kv => kv.Value is string).Select(kv => (string)kv.Value), s => Assert.True(s.Length <= LongText.MaxPropertyChars));
        Assert.Equal(text, LongText.Read(entity, "Body"));
    }

    [Fact]
    public void Write_NeverCutsASurrogatePair()
    {
        var text = new string('x', 32_767) + "😀" + "tail";
        var entity = new TableEntity("p", "r");

        LongText.Write(entity, "Body", text);

        Assert.Equal(32_767, entity.GetString("Body")!.Length);
        Assert.Equal(text, LongText.Read(entity, "Body"));
    }

    [Fact]
    public void Write_TextLongerThanARowHolds_IsRefusedWithItsSize()
    {
        var ex = Assert.Throws<ArgumentException>(() => LongText.Write(new TableEntity("p", "r"), "Body", new string('x', (14 * 32_768) + 1)));

        Assert.Contains("Body takes 458753 characters", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AMissingPart_IsAFormatErrorNamingIt()
    {
        var entity = new TableEntity("p", "r") { ["Body"] = "a", ["BodyParts"] = 3, ["Body1"] = "b" };

        var ex = Assert.Throws<FormatException>(() => LongText.Read(entity, "Body"));

        Assert.Equal("Body2 is missing (BodyParts is 3)", ex.Message);
        Assert.Null(LongText.Read(new TableEntity("p", "r"), "Body"));
    }
}
