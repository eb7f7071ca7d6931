using Geode.Model;

namespace Geode.Analysis.Evaluation;

/// <summary>
/// Which errors a single prompt can cause, so an evaluation runs that prompt alone instead of
/// failing (issue 9), and how such a failure is described.
/// </summary>
public static class PromptFault
{
    /// <summary>
    /// Whether <paramref name="error"/> may be a prompt's doing. Not: bad input (the campaign's,
    /// reported at once), cancellation, a disposed worker, the process out of memory.
    /// </summary>
    public static bool MayBe(Exception error) => error is not (
        OperationCanceledException
        or BadInputException
        or ObjectDisposedException
        or OutOfMemoryException);

    /// <summary>The failure's text: the exception's type and message.</summary>
    public static string Cause(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return $"{error.GetType().Name}: {error.Message}";
    }
}
