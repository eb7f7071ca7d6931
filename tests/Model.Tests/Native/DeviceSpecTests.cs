using Geode.Model.Native;

namespace Geode.Model.Tests.Native;

public sealed class DeviceSpecTests
{
    [Theory]
    [InlineData("cpu", false, 0)]
    [InlineData("CPU", false, 0)]
    [InlineData("cuda", true, 0)]
    [InlineData("cuda:3", true, 3)]
    public void Devices_parse(string text, bool cuda, int index)
    {
        DeviceSpec device = DeviceSpec.Parse(text);

        Assert.Equal(new DeviceSpec(cuda, index), device);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    public void Other_text_is_a_bad_input_naming_the_flag(string text)
    {
        var error = Assert.Throws<BadInputException>(() => DeviceSpec.Parse(text));

        Assert.StartsWith("--device: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Round_trips_through_its_text() => Assert.Equal("cuda:2", DeviceSpec.Parse("cuda:2").ToString());
}
