using System.Reflection;

namespace Geode.Analysis.Tests;

/// <summary>The analysis library stays free of the cluster: no Orleans assembly may be referenced.</summary>
public sealed class AnalysisProjectTests
{
    [Fact]
    public void Analysis_references_no_orleans_assembly()
    {
        Assembly analysis = Assembly.Load("Geode.Analysis");

        Assert.DoesNotContain(analysis.GetReferencedAssemblies(), a => a.Name!.StartsWith("Orleans", StringComparison.Ordinal));
    }
}
