namespace Geode.Grains.Campaigns;

/// <summary>
/// Prompts failed on their own where a stage cannot go on without them: a capture (every prompt's
/// row is needed) or a baseline whose every prompt failed. Fails the campaign at once — retrying
/// would only fail the same prompts again; the message names them and their causes.
/// </summary>
public sealed class PromptFailuresException : Exception
{
    /// <summary>Creates the error.</summary>
    public PromptFailuresException()
    {
    }

    /// <summary>Creates the error with its user-facing <paramref name="message"/>.</summary>
    public PromptFailuresException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with its user-facing <paramref name="message"/> and the error behind it.</summary>
    public PromptFailuresException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
