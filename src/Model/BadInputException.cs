namespace Geode.Model;

/// <summary>
/// A user-supplied input (a file, a folder, a flag) is wrong in a way the user can fix. The CLI
/// prints <see cref="Exception.Message"/> as is and exits with code 2, so the message must name
/// the file or flag and the field, say what was found and what is needed.
/// </summary>
public sealed class BadInputException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">The complete, user-facing explanation.</param>
    /// <param name="source">The file, folder or command-line flag at fault, when there is one.</param>
    /// <param name="field">The field, tensor or key inside <paramref name="source"/>, when there is one.</param>
    /// <param name="inner">The low-level error that revealed the problem, if any.</param>
    public BadInputException(string message, string? source = null, string? field = null, Exception? inner = null)
        : base(message, inner)
    {
        Source = source;
        Field = field;
    }

    /// <summary>The file, folder or flag at fault, or null.</summary>
    public new string? Source { get; }

    /// <summary>The field, tensor or key at fault, or null.</summary>
    public string? Field { get; }
}
