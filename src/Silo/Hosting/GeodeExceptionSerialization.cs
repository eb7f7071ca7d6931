using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Geode.Silo.Hosting;

/// <summary>
/// Lets Geode's own exceptions cross between silos as themselves. Orleans sends an exception with
/// its exception codec only when the type's namespace starts with one of
/// <see cref="ExceptionSerializationOptions.SupportedNamespacePrefixes"/> (by default Microsoft,
/// System and Azure); any other exception without a generated serializer cannot be sent at all, and
/// the caller gets a <see cref="CodecNotFoundException"/> instead, its message lost. The coordinator
/// decides by type — bad input fails a campaign at once, other errors of a unit are retried — and
/// shows the type's name in the campaign's error, and the CLI exits with code 2 on bad input a silo
/// found, so every silo must admit Geode's namespaces.
/// </summary>
/// <remarks>
/// Only the sending side needs this: the receiver rebuilds the type named on the wire (with its
/// parameterless constructor, or uninitialised when it has none) and sets the message, stack trace,
/// inner exception, HResult and <see cref="Exception.Data"/>. An exception's own properties, such as
/// <see cref="Model.BadInputException.Field"/>, arrive empty; nothing reads them on the far side, and
/// the message a user sees names the file and field.
/// </remarks>
public static class GeodeExceptionSerialization
{
    /// <summary>The namespace prefix of every Geode exception.</summary>
    public const string NamespacePrefix = "Geode";

    /// <summary>Admits Geode's exceptions to Orleans' exception codec in <paramref name="services"/>.</summary>
    public static IServiceCollection AddGeodeExceptionSerialization(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.Configure<ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add(NamespacePrefix));
    }
}
