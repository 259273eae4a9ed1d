namespace X;
public class Class1Tests { [Fact] public void A() { Assert.True(true); } }
