using Margin.Infrastructure.Storage;

namespace Margin.Infrastructure.Tests.Storage;

public sealed class AccountKeyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(AccountEntityCodec.MaxAccountIdLength)]
    public void KeyProblem_IdUpToTheSessionIdLimit_IsAccepted(int length) =>
        Assert.Null(AccountEntityCodec.KeyProblem(new string('a', length)));

    [Fact]
    public void KeyProblem_IdLongerThanAServiceBusSessionId_IsRejectedWithItsLength()
    {
        var problem = AccountEntityCodec.KeyProblem(new string('a', AccountEntityCodec.MaxAccountIdLength + 1));

        Assert.NotNull(problem);
        Assert.Contains("129 characters", problem, StringComparison.Ordinal);
        Assert.Contains("session id", problem, StringComparison.Ordinal);
        Assert.Equal(128, AccountEntityCodec.MaxAccountIdLength);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a#b")]
    [InlineData("a\u0001b")]
    public void KeyProblem_EmptyOrForbiddenCharacters_IsRejected(string id) =>
        Assert.NotNull(AccountEntityCodec.KeyProblem(id));
}
