using Margin.Infrastructure.ServiceBus;

namespace Margin.Infrastructure.Tests.ServiceBus;

public sealed class ServiceBusConnectionStringTests
{
    [Fact]
    public void Parse_KeyConnectionString_ReadsEveryPart()
    {
        var cs = ServiceBusConnectionString.Parse("Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=abc=;EntityPath=liquidation-orders");

        Assert.Equal("ns1.servicebus.windows.net", cs.Host);
        Assert.Null(cs.Port);
        Assert.Equal("Root", cs.KeyName);
        Assert.Equal("abc=", cs.Key);
        Assert.Null(cs.SharedAccessSignature);
        Assert.Equal("liquidation-orders", cs.EntityPath);
        Assert.False(cs.UseDevelopmentEmulator);
    }

    [Fact]
    public void Parse_EmulatorConnectionString_IsTheEmulatorOnItsPort()
    {
        var cs = ServiceBusConnectionString.Parse("Endpoint=sb://localhost:5673;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;");

        Assert.Equal("localhost", cs.Host);
        Assert.Equal(5673, cs.Port);
        Assert.True(cs.UseDevelopmentEmulator);
    }

    [Fact]
    public void Parse_ReadySignature_KeepsItWhole()
    {
        const string Sas = "SharedAccessSignature sr=amqp%3A%2F%2Fns1.servicebus.windows.net%2Fq&sig=abc%3D&se=1900000000&skn=Send";

        var cs = ServiceBusConnectionString.Parse($"Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessSignature={Sas}");

        Assert.Equal(Sas, cs.SharedAccessSignature);
        Assert.Null(cs.Key);
        Assert.Null(cs.KeyName);
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("Endpoint=sb://ns/;SharedAccessKeyName=a;garbage", "'garbage' is not KEY=VALUE")]
    [InlineData("Endpoint=sb://ns/;Endpoint=sb://other/;SharedAccessKeyName=a;SharedAccessKey=b", "Endpoint is given twice")]
    [InlineData("SharedAccessKeyName=a;SharedAccessKey=b", "Endpoint is missing")]
    [InlineData("Endpoint=https://ns/;SharedAccessKeyName=a;SharedAccessKey=b", "Endpoint scheme 'https' is not sb, amqps or amqp")]
    [InlineData("Endpoint=sb://ns/;SharedAccessKeyName=a", "give SharedAccessKeyName and SharedAccessKey, or SharedAccessSignature")]
    [InlineData("Endpoint=sb://ns/;SharedAccessKeyName=a;SharedAccessKey=b;SharedAccessSignature=x", "not both")]
    [InlineData("Endpoint=sb://ns/;SharedAccessKeyName=a;SharedAccessKey=b;UseDevelopmentEmulator=yes", "UseDevelopmentEmulator must be true or false (got 'yes')")]
    public void TryParse_Malformed_SaysWhatIsWrong(string text, string expected)
    {
        Assert.False(ServiceBusConnectionString.TryParse(text, out var value, out var problem));
        Assert.Null(value);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        var ex = Assert.Throws<FormatException>(() => ServiceBusConnectionString.Parse(text));
        Assert.StartsWith("Service Bus connection string: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Malformed_NeverEchoesTheKey()
    {
        Assert.False(ServiceBusConnectionString.TryParse("Endpoint=sb://ns/;SharedAccessKeyName=a;SuperSecretKeyValue1234567890", out _, out var problem));

        Assert.DoesNotContain("SuperSecretKeyValue1234567890", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_HidesTheKey()
    {
        var cs = ServiceBusConnectionString.Parse("Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=TopSecret=");

        Assert.DoesNotContain("TopSecret", cs.ToString(), StringComparison.Ordinal);
    }
}
