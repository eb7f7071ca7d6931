using Geode.Grains.Campaigns;
using Geode.Grains.Workers;
using Geode.Model;
using Geode.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Geode.Silo.Tests;

/// <summary>
/// Geode's exceptions sent from a silo set up as Geode sets up its silos arrive as themselves,
/// message and inner error included, at a receiver with Orleans' defaults: what a coordinator on
/// another silo, or a client, gets when a grain throws one.
/// </summary>
public sealed class GeodeExceptionSerializationTests
{
    private static readonly Dictionary<string, Func<Exception, Exception>> Thrown = new(StringComparer.Ordinal)
    {
        [nameof(BadInputException)] = inner => new BadInputException("campaign.yaml: prompt p7 is not one this model can read.", "campaign.yaml", "p7", inner),
        [nameof(ModelUnavailableException)] = inner => new ModelUnavailableException("models/organism: the model could not be loaded on this silo.", inner),
        [nameof(PromptFailuresException)] = inner => new PromptFailuresException("the capture needs every prompt's activations.", inner),
        [nameof(SuspectShardException)] = inner => new SuspectShardException("every prompt of shard 3 failed on its own.", inner),
    };

    [Theory]
    [InlineData(nameof(BadInputException))]
    [InlineData(nameof(ModelUnavailableException))]
    [InlineData(nameof(PromptFailuresException))]
    [InlineData(nameof(SuspectShardException))]
    public void A_geode_exception_sent_by_a_geode_silo_arrives_with_its_type_message_and_inner_error(string type)
    {
        // Arrange
        Exception sent = Thrown[type](new InvalidOperationException("the cause"));
        Serializer sender = new ServiceCollection().AddSerializer().AddGeodeExceptionSerialization().BuildServiceProvider().GetRequiredService<Serializer>();
        Serializer receiver = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

        // Act
        Exception? received = receiver.Deserialize<Exception>(sender.SerializeToArray(sent));

        // Assert
        Assert.NotNull(received);
        Assert.Equal(sent.GetType(), received.GetType());
        Assert.Equal(sent.Message, received.Message);
        Assert.Equal(typeof(InvalidOperationException), received.InnerException?.GetType());
        Assert.Equal("the cause", received.InnerException!.Message);
    }
}
