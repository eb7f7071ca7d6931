using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Geode.Benchmarks.Tests;

/// <summary>
/// What BenchmarkDotNet does to a suite, once and without timing: set the first value of each
/// [Params], call [GlobalSetup], each [Benchmark] method, then [GlobalCleanup].
/// </summary>
internal static class BenchmarkRun
{
    /// <summary>The [Benchmark] methods of <paramref name="suite"/>, by name.</summary>
    public static IEnumerable<MethodInfo> Methods(Type suite) =>
        suite.GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null);

    /// <summary>A suite set up with the first value of each [Params].</summary>
    public static T SetUp<T>()
        where T : new()
    {
        var suite = new T();
        foreach (PropertyInfo property in typeof(T).GetProperties().Where(p => p.GetCustomAttribute<ParamsAttribute>() is not null))
        {
            property.SetValue(suite, property.GetCustomAttribute<ParamsAttribute>()!.Values[0]);
        }

        Invoke<GlobalSetupAttribute>(suite);
        return suite;
    }

    /// <summary>Calls each [Benchmark] method once; returns their results by method name.</summary>
    public static IReadOnlyDictionary<string, object?> RunAll(object suite) =>
        Methods(suite.GetType()).ToDictionary(m => m.Name, m => m.Invoke(suite, null));

    /// <summary>Calls the [GlobalCleanup] methods.</summary>
    public static void CleanUp(object suite) => Invoke<GlobalCleanupAttribute>(suite);

    private static void Invoke<TAttribute>(object suite)
        where TAttribute : Attribute
    {
        foreach (MethodInfo method in suite.GetType().GetMethods().Where(m => m.GetCustomAttribute<TAttribute>() is not null))
        {
            method.Invoke(suite, null);
        }
    }
}
